import { Notification, NotificationTypeEnum } from '@cairn/sdk'
import type { ConsoleSession } from './console-session.ts'

/**
 * A newly invited patient's request for its own data: one NEW_USER_OWN_DATA_ACCESS notification for
 * each data owner with access to its patient record (the doctor who invited it), shared with that
 * data owner only, which shows in its notifications with "Share all data". What the SDK's
 * `authenticateAndAskAccessToItsExistingData` does, done here once the password sign-in opened the
 * keys. Best effort: the invitation is accepted whatever happens, and a doctor can share anyway.
 * Resolves with how many requests could not be sent.
 */
export async function askAccessToOwnData(session: ConsoleSession): Promise<number> {
  const { api, user } = session
  const patientId = user.patientId
  if (!patientId || !user.id) return 0
  let failed = 0
  try {
    const patient = await api.patientApi.getPatientAndTryDecrypt(patientId)
    const access = await api.cryptoApi.entities.getDataOwnersWithAccessTo(patient)
    for (const delegate of Object.keys(access.permissionsByDataOwnerId)) {
      if (delegate === patientId) continue
      const request = new Notification({
        id: globalThis.crypto.randomUUID(),
        status: 'pending',
        author: user.id,
        responsible: patientId,
        type: NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS,
      })
      await api.notificationApi.createFor(request, [delegate]).catch(() => failed++)
    }
  } catch {
    failed++
  }
  return failed
}
