import type { Machine } from '../report.ts'
import type { GiveBackRun } from './scenario.ts'

/** The wall time `giveAccessBackTo` must stay under, whatever the number of entities. */
export const MAX_GIVE_BACK_MS = 1_000

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/**
 * The targets: every run within {@link MAX_GIVE_BACK_MS}, and the same number of RSA operations
 * whatever the number of entities (O(exchange keys of the pair), never O(entities)).
 */
export function withinTargets(runs: readonly GiveBackRun[]): boolean {
  return (
    runs.every((r) => r.giveBackMs < MAX_GIVE_BACK_MS) &&
    runs.every((r) => r.rsaOperations === runs[0]?.rsaOperations)
  )
}

/** The report printed on stdout: a markdown table, ready for docs/performance.md. */
export function renderGiveBack(result: {
  date: string
  machine: Machine
  cpuModel: string
  backend: string
  runs: GiveBackRun[]
}): string {
  const m = result.machine
  const runs = result.runs
  const cell = (f: (r: GiveBackRun) => string) => runs.map((r) => ` ${f(r)} |`).join('')
  const out = [
    `Cairn giveAccessBackTo benchmark, ${result.date} — ${m.nproc} cores ${result.cpuModel} (os.cpus()), ` +
      `${fmt(m.ramGiB, 1)} GiB, Node ${m.node}, ${result.backend}`,
    `Code at ${m.commit}; cores busy with other work before the run: ${fmt(m.busyCoresBefore ?? NaN, 2)}; CPU speed probe ${fmt(m.speedProbeMs)} ms`,
    '',
    `| data samples of the patient |${cell((r) => fmt(r.entities))}`,
    `| --- |${cell(() => '---:')}`,
    `| created by A (s) |${cell((r) => fmt(r.createSeconds, 1))}`,
    `| shared with P, giveAccessToAllDataOf (s) |${cell((r) => fmt(r.shareSeconds, 1))}`,
    `| **RSA operations in giveAccessBackTo** |${cell((r) => `**${fmt(r.rsaOperations)}**`)}`,
    `| **giveAccessBackTo wall time (ms)** |${cell((r) => `**${fmt(r.giveBackMs, 1)}**`)}`,
    `| samples P read back after its reload |${cell((r) => `${fmt(r.readBack)} in ${fmt(r.readBackMs)} ms`)}`,
    '',
    `Targets: the same RSA count for every size (O(exchange keys), not O(entities)), and under ` +
      `${fmt(MAX_GIVE_BACK_MS)} ms: ${withinTargets(runs) ? 'met' : 'MISSED'}.`,
  ]
  return out.join('\n')
}
