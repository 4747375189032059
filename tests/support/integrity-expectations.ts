import { expect } from 'vitest'
import { DataSample, SdkError } from '@cairn/sdk'

/**
 * Expectations shared by the tests where the operator attacks what it stores: rejections must be
 * SdkErrors (never a raw TypeError / RangeError), integrity failures name the entity.
 */

/** Resolves with the error a promise rejects with, or fails showing what it resolved with. */
export async function rejection(p: Promise<unknown>): Promise<SdkError> {
  const outcome = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  )
  if (outcome.ok) expect.fail(`expected a rejection, got ${JSON.stringify(outcome.v)}`)
  const e = outcome.e as Error
  expect(e, `${e?.constructor?.name}: ${e?.message}`).toBeInstanceOf(SdkError)
  return outcome.e as SdkError
}

/** The promise rejects with an IntegrityError (SdkError INTEGRITY) naming the entity; returns its message. */
export async function expectIntegrityError(
  p: Promise<unknown>,
  type: string,
  id: string,
  reason?: RegExp,
): Promise<string> {
  const e = await rejection(p)
  expect(e.code, e.message).toBe('INTEGRITY')
  expect(e.name).toBe('IntegrityError')
  expect(e.message.startsWith(`Integrity check failed for ${type} ${id}: `), e.message).toBe(true)
  if (reason) expect(e.message).toMatch(reason)
  return e.message
}

/** A glucose sample (LOINC 2339-0) with the given value in mmol/L. */
export const glucose = (value: number, comment?: string) =>
  new DataSample({
    content: { en: { measureValue: { value, unit: 'mmol/L' } } },
    codes: new Set([{ id: 'LOINC|2339-0|2', type: 'LOINC', code: '2339-0', version: '2' }]),
    labels: new Set([{ id: 'LABEL|glucose|1', type: 'LABEL', code: 'glucose', version: '1' }]),
    valueDate: 20240105083000,
    comment,
  })

/** The measured value of a sample made by {@link glucose}. */
export const valueOf = (s: DataSample) => s.content?.en?.measureValue?.value
