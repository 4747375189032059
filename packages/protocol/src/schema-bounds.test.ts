import { describe, expect, it } from 'vitest'
import type { TSchema } from '@sinclair/typebox'
import { NAMED_SCHEMAS } from './named-schemas.ts'
import { allRoutes } from './routes/route-table.ts'

/**
 * Every collection a client can send is bounded: arrays by `maxItems`, maps (`patternProperties`, or
 * `additionalProperties` given a schema) by `maxProperties`. A collection without a bound costs the
 * server work per element (validation, access-index rows, one query parameter each) that the body
 * limit alone does not cap: thousands of tiny keys fit in 512 KiB.
 *
 * Schemas that only ever describe answers are exempt: the server writes them itself, the serialiser
 * does not check bounds, and a bound there would be a promise the server cannot always keep (the
 * exchange keys of a pair grow with each rotation). Input schemas are found by following the `$ref`s
 * of every route's params, query and body through the named schemas.
 */

type Node = Record<string, unknown>

const named = new Map(NAMED_SCHEMAS.map((s) => [s.$id!, s]))

/** Calls `visit` on every schema node under `schema` (named references followed once each). */
function walk(schema: unknown, path: string, visit: (node: Node, path: string) => void, seen: Set<string>) {
  if (!schema || typeof schema !== 'object') return
  const node = schema as Node
  if (typeof node.$ref === 'string') {
    const id = node.$ref
    const target = named.get(id)
    if (!target) throw new Error(`${path}: $ref to unknown schema ${id}`)
    if (!seen.has(id)) {
      seen.add(id)
      walk(target, id, visit, seen)
    }
    return
  }
  visit(node, path)
  const children = (key: string, value: unknown) => {
    if (value && typeof value === 'object') walk(value, `${path}/${key}`, visit, seen)
  }
  for (const [key, value] of Object.entries((node.properties as Node | undefined) ?? {})) children(key, value)
  for (const [key, value] of Object.entries((node.patternProperties as Node | undefined) ?? {}))
    children(`{${key}}`, value)
  if (typeof node.additionalProperties === 'object') children('{*}', node.additionalProperties)
  if (Array.isArray(node.items)) node.items.forEach((item, i) => children(String(i), item))
  else children('[]', node.items)
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    if (Array.isArray(node[key])) (node[key] as unknown[]).forEach((s, i) => children(`${key}${i}`, s))
}

/** The unbounded collections under `schemas`, as readable paths. */
function unbounded(schemas: [string, TSchema | undefined][], seen: Set<string>): string[] {
  const found: string[] = []
  for (const [path, schema] of schemas) {
    walk(
      schema,
      path,
      (node, at) => {
        const isArray = node.type === 'array' || 'items' in node
        if (isArray && typeof node.maxItems !== 'number') found.push(`${at}: array without maxItems`)
        const isMap = 'patternProperties' in node || typeof node.additionalProperties === 'object'
        if (isMap && typeof node.maxProperties !== 'number') found.push(`${at}: map without maxProperties`)
      },
      seen,
    )
  }
  return found
}

/** Params, query and body of every route: what clients send. */
function inputSchemas(): [string, TSchema | undefined][] {
  return allRoutes().flatMap((r) => [
    [`${r.operationId} params`, r.params],
    [`${r.operationId} query`, r.query],
    [`${r.operationId} body`, r.body],
  ])
}

describe('bounds of the protocol schemas', () => {
  it('bounds every array and map a client can send', () => {
    expect(unbounded(inputSchemas(), new Set())).toEqual([])
  })

  it('walks the named schemas a client sends (so the check above checks something)', () => {
    const seen = new Set<string>()
    unbounded(inputSchemas(), seen)
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'EncryptedEntity',
        'UserWrite',
        'ExchangeKey',
        'ExchangeKeyRecipients',
        'SharingChange',
        'DataSampleByHealthcarePartyPatientFilter',
        'PatientByIdsFilter',
        'Coding',
        'CodingFilter',
        'CodingByRegionTypeLabelFilter',
      ]),
    )
  })

  it('finds an unbounded array or map (the check is not vacuous)', () => {
    const probe = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'string' } },
        map: { type: 'object', patternProperties: { '^(.*)$': { type: 'string' } } },
        loose: { type: 'object', additionalProperties: { type: 'number' } },
        fine: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      },
    } as unknown as TSchema
    expect(unbounded([['probe', probe]], new Set())).toEqual([
      'probe/list: array without maxItems',
      'probe/map: map without maxProperties',
      'probe/loose: map without maxProperties',
    ])
  })

  it('lists the named schemas exempt as answers only, so that a new input schema is not exempt by mistake', () => {
    const seen = new Set<string>()
    unbounded(inputSchemas(), seen)
    const answersOnly = [...named.keys()].filter((id) => !seen.has(id)).sort()
    expect(answersOnly).toEqual(
      [
        'AuthResponse',
        'CodingImportResult',
        'CodingPage',
        'CreatedHealthcareProfessionalWithUser',
        'DataOwnerDocPage',
        'DataOwnerWithType',
        'Deletion',
        'EncryptedEntityPage',
        'Error',
        'ExchangeKeyCounterpart',
        'Health',
        'Logout',
        'Ready',
        'Token',
        'TokenInfo',
        'User',
        'UserDeletion',
        'UserPage',
      ].filter((id) => named.has(id)),
    )
  })
})
