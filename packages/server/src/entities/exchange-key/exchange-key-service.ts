import {
  MAX_EXCHANGE_KEY_RECIPIENTS,
  type ExchangeKeyCounterpartDto,
  type ExchangeKeyDto,
  type ExchangeKeyRecipientsDto,
} from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  assertCanCreateExchangeKey,
  assertCanReadExchangeKeys,
  requireDataOwner,
} from '../../access/access-policy.ts'
import { badRequest, notFound } from '../../http/app-error.ts'
import type { EventBus } from '../../events/event-bus.ts'
import type { Storage } from '../../storage/storage.ts'
import { nextRev } from '../shared/revision.ts'

/**
 * Exchange key records (docs/protocol.md): the server stores them and shows them to the two parties of the
 * pair only. It cannot read them, and clients verify the delegator's signature, so a record forged
 * by the server is refused client side.
 */
export class ExchangeKeyService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
  ) {}

  /** Stores a new exchange key created by its delegator. */
  async create(caller: Caller, dto: ExchangeKeyDto): Promise<ExchangeKeyDto> {
    assertCanCreateExchangeKey(caller, dto.delegator)
    if (Object.keys(dto.encryptedKey).length === 0)
      throw badRequest('encryptedKey must hold at least one entry')
    const now = Date.now()
    const body = { ...dto, rev: undefined, created: now }
    const rev = nextRev(undefined, JSON.stringify(body))
    const stored: ExchangeKeyDto = { ...body, rev }
    await this.storage.insertDocs('exchangeKey', [
      {
        id: dto.id,
        rev,
        doc: JSON.stringify(stored),
        created: now,
        modified: now,
        indexes: { delegator: dto.delegator, delegate: dto.delegate },
      },
    ])
    this.events.emit([
      {
        kind: 'create',
        entityType: 'exchangeKey',
        id: dto.id,
        rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [dto.delegator, dto.delegate],
        at: now,
      },
    ])
    return stored
  }

  /**
   * Adds RSA entries for new public keys to a record (give access back after a data owner lost its
   * key). Only the delegator or the delegate may (anyone else gets the 404 of an unknown id);
   * entries already there never change, so a party can add readers but not replace one (clients
   * check the delegator's signature over the key anyway).
   */
  async addRecipients(caller: Caller, id: string, body: ExchangeKeyRecipientsDto): Promise<ExchangeKeyDto> {
    const me = requireDataOwner(caller)
    const found = await this.storage.getDoc('exchangeKey', id)
    const current = found && (JSON.parse(found.doc) as ExchangeKeyDto)
    // A record of another pair is answered like an unknown id: its existence is not the caller's to know.
    if (!found || !current || (me !== current.delegator && me !== current.delegate))
      throw notFound(`Exchange key ${id} not found`)
    const added = Object.entries(body.encryptedKey).filter(([fp]) => !Object.hasOwn(current.encryptedKey, fp))
    if (added.length === 0) return current
    if (Object.keys(current.encryptedKey).length + added.length > MAX_EXCHANGE_KEY_RECIPIENTS)
      throw badRequest(`An exchange key holds at most ${MAX_EXCHANGE_KEY_RECIPIENTS} recipients`)
    const now = Date.now()
    const next = { ...current, encryptedKey: { ...current.encryptedKey, ...Object.fromEntries(added) } }
    const rev = nextRev(found.rev, JSON.stringify({ ...next, rev: undefined }))
    const stored: ExchangeKeyDto = { ...next, rev }
    // A concurrent change makes the update fail with StorageConflict: a 409 (error handler).
    await this.storage.updateDocs('exchangeKey', [
      {
        id,
        rev,
        expectedRev: found.rev,
        doc: JSON.stringify(stored),
        created: found.created,
        modified: now,
        indexes: { delegator: current.delegator, delegate: current.delegate },
      },
    ])
    this.events.emit([
      {
        kind: 'modify',
        entityType: 'exchangeKey',
        id,
        rev,
        actor: { userId: caller.userId, dataOwnerId: caller.dataOwnerId },
        requestId: caller.requestId,
        delegates: [current.delegator, current.delegate],
        at: now,
      },
    ])
    return stored
  }

  /**
   * The data owners the caller shares exchange keys with, either direction, typed: the SDK of a data
   * owner that lost its key asks each of them to give access back (KEY_PAIR_UPDATE). Only the caller's
   * own pairs, which it could already list one by one.
   */
  async counterparts(caller: Caller): Promise<ExchangeKeyCounterpartDto[]> {
    const me = requireDataOwner(caller)
    const pairs = await this.storage.exchangeKeyCounterparts(me)
    const ids = pairs.map((p) => p.dataOwnerId)
    const [hcps, devices] = await Promise.all([
      this.storage.existingIds('healthcareProfessional', ids),
      this.storage.existingIds('medicalDevice', ids),
    ])
    const hcp = new Set(hcps)
    const device = new Set(devices)
    // Exchange keys are only ever created between data owners, and a data owner that is neither a
    // professional nor a device is a patient.
    return pairs.map((p) => ({
      ...p,
      type: hcp.has(p.dataOwnerId)
        ? 'HealthcareProfessional'
        : device.has(p.dataOwnerId)
          ? 'MedicalDevice'
          : 'Patient',
    }))
  }

  /** Exchange keys of the ordered pair, oldest first; only for the two parties. */
  async forPair(caller: Caller, delegator: string, delegate: string): Promise<ExchangeKeyDto[]> {
    assertCanReadExchangeKeys(caller, delegator, delegate)
    const docs = await this.storage.findExchangeKeys(delegator, delegate)
    return docs.map((d) => JSON.parse(d.doc) as ExchangeKeyDto)
  }
}
