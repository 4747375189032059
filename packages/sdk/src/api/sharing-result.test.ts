import { describe, expect, it } from 'vitest'
import { SdkError } from '../http/sdk-error.ts'
import { SharingError, sharingStatus } from './sharing-result.ts'

describe('sharingStatus', () => {
  it('is a success without error when nothing failed', () => {
    expect(sharingStatus('dataSamples', 'p1', 3, [])).toEqual({ success: true, error: null, modified: 3 })
  })

  it('lists the failures in a SharingError with the first one’s code', () => {
    const failures = Array.from({ length: 7 }, (_, i) => ({
      entityId: `id${i}`,
      error: new SdkError(i === 0 ? 'DECRYPTION' : 'INTEGRITY', `reason ${i}\nsecond line`),
    }))
    const status = sharingStatus('dataSamples', 'p1', 2, failures)
    expect(status.success).toBe(false)
    expect(status.modified).toBe(2)
    const error = status.error as SharingError
    expect(error).toBeInstanceOf(SharingError)
    expect(error).toBeInstanceOf(SdkError)
    expect(error.code).toBe('DECRYPTION')
    expect(error.failures).toHaveLength(7)
    expect(error.message).toBe(
      'Could not share 7 dataSamples with patient p1: id0 (reason 0), id1 (reason 1), id2 (reason 2), ' +
        'id3 (reason 3), id4 (reason 4) and 2 more',
    )
  })

  it('uses INTERNAL for a failure that is no SdkError', () => {
    const status = sharingStatus('patient', 'p1', 0, [{ entityId: 'p1', error: new Error('boom') }])
    expect((status.error as SharingError).code).toBe('INTERNAL')
  })
})
