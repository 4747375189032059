import { describe, expect, it } from 'vitest'
import { Notification, NotificationTypeEnum, Property } from '../models/index.ts'
import { keyPairUpdateNotification, keyPairUpdateRequestOf } from './key-pair-update-request.ts'

const OWNER = '5a3e4f0e-9d7b-4c55-9f3a-52f1c0d9a001'
const KEY = '30820122300d06092a864886f70d01010105000382010f00'

/** A STRING property as MedTech writes it. */
const prop = (id: string, stringValue: string, type = 'STRING') =>
  new Property({ id, type: { identifier: id, type: 'STRING' }, typedValue: { type, stringValue } as never })

const request = (properties?: Property[], type: string = NotificationTypeEnum.KEY_PAIR_UPDATE) =>
  new Notification({ type: type as NotificationTypeEnum, properties })

describe('keyPairUpdateRequestOf', () => {
  it('reads the concerned data owner and its new public key from a KEY_PAIR_UPDATE notification', () => {
    const n = request([prop('dataOwnerConcernedId', OWNER), prop('dataOwnerConcernedPubKey', KEY)])
    expect(keyPairUpdateRequestOf(n)).toEqual({ dataOwnerConcernedId: OWNER, dataOwnerConcernedPubKey: KEY })
    // The order of the properties does not matter, and other properties are ignored.
    const shuffled = request([
      prop('note', 'x'),
      prop('dataOwnerConcernedPubKey', KEY),
      prop('dataOwnerConcernedId', OWNER),
    ])
    expect(keyPairUpdateRequestOf(shuffled)).toEqual({
      dataOwnerConcernedId: OWNER,
      dataOwnerConcernedPubKey: KEY,
    })
  })

  it('is undefined for another type, a missing or empty value, a non-STRING value, or withheld properties', () => {
    const both = [prop('dataOwnerConcernedId', OWNER), prop('dataOwnerConcernedPubKey', KEY)]
    expect(keyPairUpdateRequestOf(request(both, NotificationTypeEnum.OTHER))).toBeUndefined()
    expect(
      keyPairUpdateRequestOf(request(both, NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS)),
    ).toBeUndefined()
    expect(keyPairUpdateRequestOf(request([prop('dataOwnerConcernedId', OWNER)]))).toBeUndefined()
    expect(
      keyPairUpdateRequestOf(
        request([prop('dataOwnerConcernedId', OWNER), prop('dataOwnerConcernedPubKey', '')]),
      ),
    ).toBeUndefined()
    expect(
      keyPairUpdateRequestOf(
        request([prop('dataOwnerConcernedId', OWNER), prop('dataOwnerConcernedPubKey', KEY, 'JSON')]),
      ),
    ).toBeUndefined()
    expect(keyPairUpdateRequestOf(request(undefined))).toBeUndefined()
    expect(keyPairUpdateRequestOf(new Notification({}))).toBeUndefined()
  })

  it('reads back the request the SDK writes after a lost key (pending, MedTech property shapes)', () => {
    const n = keyPairUpdateNotification(OWNER, KEY)
    expect(n.status).toBe('pending')
    expect(n.type).toBe(NotificationTypeEnum.KEY_PAIR_UPDATE)
    expect(n.properties?.map((p) => [p.id, p.type?.type, p.typedValue?.type])).toEqual([
      ['dataOwnerConcernedId', 'STRING', 'STRING'],
      ['dataOwnerConcernedPubKey', 'STRING', 'STRING'],
    ])
    expect(keyPairUpdateRequestOf(n)).toEqual({ dataOwnerConcernedId: OWNER, dataOwnerConcernedPubKey: KEY })
  })
})
