/** One sample line of a Prometheus text exposition. */
export interface PrometheusSample {
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * Parses the sample lines of a Prometheus text exposition (format 0.0.4), skipping `#` comments:
 * enough for tests to look metrics up by name and labels instead of matching raw text, which
 * depends on label order. Label values with escaped quotes are handled; timestamps are ignored.
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({
      name: m[1],
      labels,
      value: m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]),
    })
  }
  return samples
}
