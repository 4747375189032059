import type { SharingPhase, SharingProgress } from './sharing-result.ts'

/**
 * Counts the entities `giveAccessToAllDataOf` has handled and reports them to the app's callback with
 * the guarantees its options promise: `done` never decreases, `total` is never below `done`, and the
 * last report has `done === total` even when the server's count at the start is off by entities
 * created or deleted meanwhile.
 */
export class ShareProgress {
  private done = 0
  private total = 0
  private phase: SharingPhase = 'patient'

  constructor(private readonly onProgress?: (progress: SharingProgress) => void) {}

  /** Adds entities expected to be handled (a count from the server). */
  expect(count: number): void {
    this.total += Math.max(0, count)
  }

  /** Records `count` more entities handled in `phase` and reports. */
  advance(phase: SharingPhase, count: number): void {
    this.phase = phase
    this.done += Math.max(0, count)
    if (this.done > this.total) this.total = this.done
    this.report()
  }

  /** The last report: the total becomes what was actually handled. */
  finish(): void {
    if (this.total !== this.done) {
      this.total = this.done
      this.report()
    }
  }

  private report(): void {
    this.onProgress?.({ done: this.done, total: this.total, phase: this.phase })
  }
}
