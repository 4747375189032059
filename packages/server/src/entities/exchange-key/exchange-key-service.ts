import type { ExchangeKeyDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { assertCanCreateExchangeKey, assertCanReadExchangeKeys } from '../../access/access-policy.ts'
import { badRequest } from '../../http/app-error.ts'
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

  /** Exchange keys of the ordered pair, oldest first; only for the two parties. */
  async forPair(caller: Caller, delegator: string, delegate: string): Promise<ExchangeKeyDto[]> {
    assertCanReadExchangeKeys(caller, delegator, delegate)
    const docs = await this.storage.findExchangeKeys(delegator, delegate)
    return docs.map((d) => JSON.parse(d.doc) as ExchangeKeyDto)
  }
}
