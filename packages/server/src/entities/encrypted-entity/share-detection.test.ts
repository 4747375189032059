import type { EncryptionMetaDto } from '@cairn/protocol'
import { describe, expect, it } from 'vitest'
import { sharedWith } from './encrypted-entity-service.ts'

const entry = (owner: string, delegatedTo: string, key: string) => ({ owner, delegatedTo, key })

/** A stored document with a doctor's delegation and a patient's delegation to herself (no key yet). */
function stored(): Record<string, unknown> {
  return {
    id: 'p1',
    rev: '2-a',
    modified: 1,
    systemMetaData: {
      secretForeignKeys: [],
      encryptedSelf: 'CIPHERTEXT',
      delegations: { doc: [entry('doc', 'doc', 's1')], pat: [entry('pat', 'pat', 's2')] },
      encryptionKeys: { doc: [entry('doc', 'doc', 'k1')] },
      cryptedForeignKeys: {},
      seal: { v: 2, seq: 1, creator: 'c', writer: 'w', commitment: 'm', tag: 't', proofs: { doc: 'p' } },
    },
  }
}

/** A copy of `doc` with `change` applied to its systemMetaData. */
type Meta = EncryptionMetaDto & { seal: NonNullable<EncryptionMetaDto['seal']> }
function withMeta(doc: Record<string, unknown>, change: (m: Meta) => void) {
  const copy = structuredClone(doc) as { systemMetaData: Meta } & Record<string, unknown>
  change(copy.systemMetaData)
  return copy
}

describe('sharedWith', () => {
  it('is a share with a new delegate, and names it', () => {
    const next = withMeta(stored(), (m) => {
      m.delegations.hcp2 = [entry('doc', 'hcp2', 's3')]
      m.encryptionKeys.hcp2 = [entry('doc', 'hcp2', 'k2')]
      m.seal.proofs.hcp2 = 'p2'
    })
    expect(sharedWith({ ...next, modified: 2 }, stored())).toEqual(['hcp2'])
  })

  it('is a share when a delegate already listed receives the key (the patient after her first login)', () => {
    const next = withMeta(stored(), (m) => {
      m.encryptionKeys.pat = [entry('doc', 'pat', 'k3')]
      m.delegations.pat.push(entry('doc', 'pat', 's4'))
    })
    expect(sharedWith(next, stored())).toEqual(['pat'])
  })

  it('is a modification when the ciphertext, a removed entry or a changed proof differs', () => {
    const cipher = withMeta(stored(), (m) => {
      m.encryptedSelf = 'OTHER'
      m.delegations.hcp2 = [entry('doc', 'hcp2', 's3')]
    })
    const removed = withMeta(stored(), (m) => {
      delete m.delegations.pat
      m.delegations.hcp2 = [entry('doc', 'hcp2', 's3')]
    })
    const proof = withMeta(stored(), (m) => {
      m.seal.proofs.doc = 'forged'
      m.delegations.hcp2 = [entry('doc', 'hcp2', 's3')]
    })
    const field = { ...withMeta(stored(), (m) => (m.delegations.hcp2 = [])), note: 'x' }
    for (const next of [cipher, removed, proof, field]) expect(sharedWith(next, stored())).toBeUndefined()
  })

  it('is not a share when nothing was added', () => {
    expect(sharedWith({ ...stored(), modified: 5 }, stored())).toBeUndefined()
  })
})
