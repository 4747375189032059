import { ROUTES, type ExchangeKeyCounterpartDto } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import type { Notification } from '../models/notification.ts'
import { keyPairUpdateNotification } from './key-pair-update-request.ts'

/**
 * Which counterparts a data owner of each type asks (MedTech §7): patients ask patients and
 * professionals, professionals ask professionals, devices nobody.
 */
const ASKED: Record<ExchangeKeyCounterpartDto['type'], readonly ExchangeKeyCounterpartDto['type'][]> = {
  Patient: ['Patient', 'HealthcareProfessional'],
  HealthcareProfessional: ['HealthcareProfessional'],
  MedicalDevice: [],
}

/** What {@link askForAccessBack} did. */
export interface AccessBackRequests {
  /** Data owners a KEY_PAIR_UPDATE notification was created for. */
  notified: string[]
  /** Data owners it could not be created for, with the reason (they can still be asked later). */
  failed: { dataOwnerId: string; reason: string }[]
}

/**
 * After a data owner made a new key pair because its keys were lost, creates one KEY_PAIR_UPDATE
 * notification for every data owner it shares exchange keys with in either direction (of the types
 * MedTech asks: patients ask patients and professionals, professionals ask professionals), so that
 * each can answer with `dataOwnerApi.giveAccessBackTo(ownerId, newPublicKey)`. A counterpart that
 * cannot be notified is reported, not thrown: the new key is already published, and the login must
 * not fail because one counterpart is unreachable.
 */
export async function askForAccessBack(params: {
  http: HttpClient
  selfId: string
  selfType: ExchangeKeyCounterpartDto['type']
  newPublicKey: string
  create: (notification: Notification, delegate: string) => Promise<unknown>
}): Promise<AccessBackRequests> {
  const counterparts = await params.http.call(ROUTES.getExchangeKeyCounterparts, {})
  const asked = counterparts.filter(
    (c) => c.dataOwnerId !== params.selfId && ASKED[params.selfType].includes(c.type),
  )
  const out: AccessBackRequests = { notified: [], failed: [] }
  for (const c of asked) {
    try {
      await params.create(keyPairUpdateNotification(params.selfId, params.newPublicKey), c.dataOwnerId)
      out.notified.push(c.dataOwnerId)
    } catch (e) {
      out.failed.push({ dataOwnerId: c.dataOwnerId, reason: e instanceof Error ? e.message : String(e) })
    }
  }
  return out
}
