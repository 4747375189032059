import type { Static } from '@sinclair/typebox'
import type { ReadySchema } from '@cairn/protocol'
import type { Storage } from '../storage/storage.ts'
import type { StorageFaultLog } from '../storage/storage-fault-log.ts'
import { AppError } from './app-error.ts'
import { storageFaultError } from './error-handler.ts'

/** The check in flight, shared by concurrent /ready calls so that probes cannot pile up writes. */
const pending = new WeakMap<Storage, Promise<void>>()

/**
 * Answers /ready: the database committed a heartbeat write (and, on SQLite, has free space) within
 * `timeoutMs`, and (`secretAgreement`) this instance signs with the secret of the others. Otherwise an AppError: 507 when the disk is full, 503 for any other fault or when the
 * database does not answer in time (the check goes on in the background; the next call waits for it
 * rather than starting another).
 */
export async function checkReadiness(
  storage: Storage,
  faults: StorageFaultLog,
  timeoutMs: number,
  secretAgreement?: { readonly agreed: boolean },
): Promise<Static<typeof ReadySchema>> {
  // Another instance took the database over with another signing secret: tokens of this one are
  // refused there and the reverse, so the load balancer must stop routing here (auth/secret-agreement.ts).
  if (secretAgreement && !secretAgreement.agreed)
    throw new AppError(
      'UNAVAILABLE',
      'Not ready: the other instances of this database sign tokens with a different CAIRN_JWT_SECRET',
      30,
    )
  const started = performance.now()
  let check = pending.get(storage)
  if (!check) {
    check = storage.checkWritable().finally(() => pending.delete(storage))
    pending.set(storage, check)
  }
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AppError('UNAVAILABLE', `Not ready: the database did not answer within ${timeoutMs} ms`, 5),
        ),
      timeoutMs,
    )
  })
  try {
    await Promise.race([check, expired])
  } catch (error) {
    if (error instanceof AppError) throw error
    const fault = storageFaultError(error, faults)
    if (fault) throw new AppError(fault.code, `Not ready: ${fault.message}`, fault.retryAfter)
    throw new AppError('UNAVAILABLE', 'Not ready: the database check failed', 5)
  } finally {
    clearTimeout(timer)
  }
  return {
    status: 'ready',
    database: storage.dialect,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
  }
}
