// `npm run bench:bundle` (also the end of `npm run bench`): size of @cairn/sdk in a browser app.
// Bundles the built package (`npm run build`, which the npm scripts run first) the way an app's
// bundler would: esbuild, platform browser, ESM, minified, every dependency included
// (@cairn/protocol, @cairn/crypto, @sinclair/typebox). Prints raw and gzip sizes; writes nothing.
// See docs/performance.md, "Browser bundle".
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
// esbuild comes with tsup, tsx and vite (devDependencies); it is not a dependency of its own.
import { build, type Metafile } from 'esbuild'

const ROOT = new URL('..', import.meta.url).pathname

/** Bundles `entry` (the code of a tiny app) and returns the minified output and its metafile. */
async function bundle(entry: string): Promise<{ code: Uint8Array; metafile: Metafile }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'js', sourcefile: 'app.js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  return { code: result.outputFiles[0].contents, metafile: result.metafile }
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`.padStart(9)

/** The package a bundled file belongs to: its node_modules package, or the workspace package. */
function packageOf(path: string): string {
  const installed = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (installed) return installed[1]
  const workspace = /(?:^|\/)packages\/([^/]+)\//.exec(path)
  return workspace ? `@cairn/${workspace[1]}` : path
}

/** Minified bytes of the output that come from each package, largest first. */
function byPackage(metafile: Metafile): [string, number][] {
  const sizes = new Map<string, number>()
  for (const output of Object.values(metafile.outputs))
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs))
      if (bytesInOutput > 0) sizes.set(packageOf(path), (sizes.get(packageOf(path)) ?? 0) + bytesInOutput)
  return [...sizes].sort((a, b) => b[1] - a[1])
}

for (const p of ['protocol', 'crypto', 'sdk'])
  if (!existsSync(join(ROOT, 'packages', p, 'dist/index.js')))
    throw new Error(`packages/${p}/dist is missing: run \`npm run build\` first (npm run bench:bundle does)`)

const cases: { label: string; entry: string }[] = [
  { label: 'whole SDK (export * from @cairn/sdk)', entry: "export * from '@cairn/sdk'" },
  {
    label: 'typical app (medTechApi, models, crypto strategies)',
    entry: [
      "import { medTechApi, Patient, DataSample, SimpleMedTechCryptoStrategies } from '@cairn/sdk'",
      'export const use = [medTechApi, Patient, DataSample, SimpleMedTechCryptoStrategies]',
    ].join('\n'),
  },
]

console.log(
  '\nBrowser bundle of @cairn/sdk — esbuild, platform browser, ESM, es2022, minified, all deps bundled',
)
console.log(`${'entry'.padEnd(52)} ${'raw'.padStart(9)} ${'gzip'.padStart(9)}`)
let breakdown: [string, number][] = []
for (const c of cases) {
  let out: Awaited<ReturnType<typeof bundle>>
  try {
    out = await bundle(c.entry)
  } catch (e) {
    // A Node.js builtin imported by browser code fails here, with the module that imports it.
    const errors = (e as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? []
    const where = errors.map((x) => `  ${x.location?.file ?? '?'}: ${x.text}`).join('\n')
    throw new Error(`the SDK does not bundle for the browser:\n${where || String(e)}`)
  }
  const gzip = gzipSync(out.code, { level: 9 }).length
  console.log(`${c.label.padEnd(52)} ${kB(out.code.length)} ${kB(gzip)}`)
  if (breakdown.length === 0) breakdown = byPackage(out.metafile)
}
console.log('\nWhole SDK, minified bytes by package:')
for (const [name, bytes] of breakdown) console.log(`  ${name.padEnd(24)} ${kB(bytes)}`)
