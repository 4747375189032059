import { describe, expect, it } from 'vitest'
import { ShareProgress } from './share-progress.ts'
import type { SharingProgress } from './sharing-result.ts'

function tracked() {
  const calls: SharingProgress[] = []
  return { calls, progress: new ShareProgress((p) => calls.push(p)) }
}

describe('ShareProgress', () => {
  it('reports each step, ending with done === total', () => {
    const { calls, progress } = tracked()
    progress.expect(5)
    progress.advance('patient', 1)
    progress.advance('dataSamples', 3)
    progress.advance('healthcareElements', 1)
    progress.finish()
    expect(calls).toEqual([
      { done: 1, total: 5, phase: 'patient' },
      { done: 4, total: 5, phase: 'dataSamples' },
      { done: 5, total: 5, phase: 'healthcareElements' },
    ])
  })

  it('raises the total when more entities turn up than counted, never reporting done > total', () => {
    const { calls, progress } = tracked()
    progress.expect(2)
    progress.advance('patient', 1)
    progress.advance('dataSamples', 3)
    progress.finish()
    expect(calls.at(-1)).toEqual({ done: 4, total: 4, phase: 'dataSamples' })
    for (const c of calls) expect(c.done).toBeLessThanOrEqual(c.total)
  })

  it('ends at what was handled when entities disappeared meanwhile (done never decreases)', () => {
    const { calls, progress } = tracked()
    progress.expect(10)
    progress.advance('patient', 1)
    progress.advance('dataSamples', 6)
    progress.finish()
    expect(calls.map((c) => c.done)).toEqual([1, 7, 7])
    expect(calls.at(-1)).toEqual({ done: 7, total: 7, phase: 'dataSamples' })
  })

  it('ignores negative counts and works without a callback', () => {
    const { calls, progress } = tracked()
    progress.expect(-3)
    progress.advance('patient', -1)
    expect(calls).toEqual([{ done: 0, total: 0, phase: 'patient' }])
    const silent = new ShareProgress()
    silent.expect(1)
    silent.advance('patient', 1)
    silent.finish()
  })
})
