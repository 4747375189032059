import { describe, it, expect } from 'vitest'
import {
  AccessLevelEnum,
  Address,
  AuthenticationProcess,
  AuthenticationToken,
  Coding,
  CodingReference,
  Content,
  DataOwnerTypeEnum,
  DataSample,
  Delegation,
  Document,
  EncryptedPatient,
  Filter,
  HealthcareElement,
  HealthcareProfessional,
  Identifier,
  InlineResponse403,
  Measure,
  MedicalDevice,
  Notification,
  NotificationTypeEnum,
  PaginatedDocumentKeyAndIdPairObject,
  PaginatedListCoding,
  PaginatedListDataSample,
  PaginatedListHealthcareElement,
  PaginatedListHealthcareProfessional,
  PaginatedListMedicalDevice,
  PaginatedListNotification,
  PaginatedListPatient,
  PaginatedListUser,
  Partnership,
  Patient,
  PatientHealthCareParty,
  PersonName,
  Property,
  PropertyType,
  SecureDelegation,
  SecurityMetaData,
  SystemMetaDataEncrypted,
  SystemMetaDataOwner,
  SystemMetaDataOwnerEncrypted,
  Telecom,
  TimeSeries,
  TypedValueObject,
  User,
  type DataOwnerWithType,
  type MaintenanceTaskStatusEnum,
  type PotentiallyEncryptedPatient,
  type RecaptchaType,
  type SharedDataType,
} from './index.ts'
import { arrayBufferToBase64, base64ToArrayBuffer } from './model-utils.ts'

/** A model class as seen by the generic round-trip checks. */
type AnyModel = { marshal(): object }
type AnyModelClass = new (json: object) => AnyModel

/**
 * A JSON copy of `value` (as a server or a file gives it back), typed as `value` was: only for values that
 * are plain JSON already (a `marshal()` output, a model made of data fields only).
 */
function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Bytes of an ArrayBuffer, for comparisons (`toEqual` does not look inside ArrayBuffers). */
function bytes(buffer: ArrayBuffer | undefined): number[] | undefined {
  return buffer && [...new Uint8Array(buffer)]
}

/** Fails if a Set, an ArrayBuffer or a non-plain object remains anywhere in a marshalled value. */
function expectPlainJson(value: unknown, path = '$'): void {
  if (value === null || typeof value !== 'object') {
    expect(typeof value, path).not.toBe('undefined')
    return
  }
  expect(value instanceof Set, `${path} is a Set`).toBe(false)
  expect(value instanceof ArrayBuffer, `${path} is an ArrayBuffer`).toBe(false)
  if (Array.isArray(value)) {
    value.forEach((entry, i) => expectPlainJson(entry, `${path}[${i}]`))
    return
  }
  expect(Object.getPrototypeOf(value), `${path} is not a plain object`).toBe(Object.prototype)
  for (const [key, entry] of Object.entries(value)) expectPlainJson(entry, `${path}.${key}`)
}

const picture = new Uint8Array([0, 1, 2, 250, 255, 128]).buffer
const pictureB64 = arrayBufferToBase64(picture)

const codingRef = new CodingReference({
  id: 'SNOMEDCT|617|20020131',
  type: 'SNOMEDCT',
  code: '617',
  version: '20020131',
})
const label = new CodingReference({ type: 'IC-TEST', code: 'TEST' })
const identifier = new Identifier({
  id: 'id-1',
  assigner: 'hospital',
  start: '20200101',
  system: 'urn:oid:1.2.3',
  type: { type: 'ID', code: 'MRN' },
  use: 'official',
  value: '12345',
})
const telecom = new Telecom({
  telecomType: 'email',
  telecomNumber: 'john@example.org',
  telecomDescription: 'main',
})
const address = new Address({
  addressType: 'home',
  description: 'Home',
  street: 'Main street',
  houseNumber: '1',
  postalCode: '1000',
  city: 'Winterfell',
  country: 'North',
  telecoms: [telecom, { telecomType: 'mobile', telecomNumber: '+32 470 00 00 00' }],
})
const personName = new PersonName({
  lastName: 'Snow',
  firstNames: ['John'],
  prefix: ['Lord'],
  suffix: [],
  text: 'Snow John',
  use: 'official',
  start: 1,
})
const partnership = new Partnership({ type: 'brother', status: 'active', partnerId: 'p-2' })
const patientHealthCareParty = new PatientHealthCareParty({ type: 'doctor', healthcarePartyId: 'hcp-1' })
const propertyType = new PropertyType({ identifier: 'org.example.lang', type: 'STRING' })
const typedValue = new TypedValueObject({ type: 'STRING', stringValue: 'fr' })
const property = new Property({ id: 'prop-1', type: propertyType, typedValue, deleted: 5 })
const delegation = new Delegation({ owner: 'hcp-1', delegatedTo: 'hcp-2', key: 'wrapped', tags: ['all'] })
const secureDelegation = new SecureDelegation({
  delegator: 'hcp-1',
  delegate: 'hcp-2',
  secretIds: ['s1'],
  encryptionKeys: new Set(['k1']),
  owningEntityIds: [],
  parentDelegations: ['h0'],
  exchangeDataId: 'xd-1',
  permissions: AccessLevelEnum.WRITE,
})
const securityMetaData = new SecurityMetaData({
  secureDelegations: { h1: secureDelegation, h2: { permissions: 'READ', secretIds: ['s2'] } },
  keysEquivalences: { a: 'b' },
})
const systemMetaDataEncrypted = new SystemMetaDataEncrypted({
  secretForeignKeys: ['sfk-1'],
  cryptedForeignKeys: { 'hcp-1': [delegation] },
  delegations: { 'hcp-1': new Set([delegation]), 'hcp-2': [] },
  encryptionKeys: { 'hcp-1': [{ owner: 'hcp-1', delegatedTo: 'hcp-1', key: 'k', tags: [] }] },
  encryptedSelf: 'c2VsZg==',
  securityMetadata: securityMetaData,
})
const systemMetaDataOwner = new SystemMetaDataOwner({
  publicKey: 'pk',
  hcPartyKeys: { 'hcp-2': ['a', 'b'] },
  privateKeyShamirPartitions: { 'hcp-2': 'share' },
  aesExchangeKeys: { pk: { 'hcp-2': { fp1: 'k1', fp2: 'k2' } } },
  transferKeys: { fp1: { fp2: 'tk' } },
  publicKeysForOaepWithSha256: ['pk-oaep'],
})
const systemMetaDataOwnerEncrypted = new SystemMetaDataOwnerEncrypted({
  ...systemMetaDataOwner,
  ...systemMetaDataEncrypted,
})
const measure = new Measure({
  value: 5.4,
  min: 4,
  max: 6,
  unit: 'mmol/L',
  unitCodes: [{ id: 'UCUM|mmol/L|1', type: 'UCUM', code: 'mmol/L', version: '1' }],
  comparator: '<',
})
const timeSeries = new TimeSeries({
  fields: ['x', 'y'],
  samples: [
    [1, 2],
    [3, 4],
  ],
  min: [1, 2],
  max: [3, 4],
  mean: [2, 3],
  median: [2, 3],
  variance: [1, 1],
})
const content = new Content({
  stringValue: 'Hello world',
  numberValue: 3,
  booleanValue: true,
  fuzzyDateValue: 20220929083400,
  binaryValue: picture,
  documentId: 'doc-1',
  measureValue: measure,
  timeSeries,
  compoundValue: [{ id: 'nested-1', content: { en: { numberValue: 1 } }, labels: [label] }],
  ratio: [measure, { value: 2 }],
  range: [{ min: 1, max: 2 }],
})
const dataSample = new DataSample({
  id: 'ds-1',
  rev: '1-abc',
  transactionId: 'tx',
  identifiers: [identifier],
  batchId: 'batch-1',
  healthcareElementIds: ['he-1', 'he-2'],
  canvasesIds: new Set(['form-1']),
  index: 0,
  content: { en: content, fr: { stringValue: 'Bonjour' } },
  valueDate: 20230426071916,
  openingDate: 20230426071916,
  created: 1682493556591,
  modified: 1682493556591,
  author: 'user-1',
  responsible: 'hcp-1',
  comment: 'This is a comment',
  qualifiedLinks: { relatedTo: { a: 'ds-0' } },
  codes: [codingRef],
  labels: new Set([label]),
  systemMetaData: systemMetaDataEncrypted,
})
const healthcareElement = new HealthcareElement({
  id: 'he-1',
  identifiers: [identifier],
  rev: '2-x',
  labels: [label],
  codes: new Set([codingRef]),
  healthcareElementId: 'he-0',
  openingDate: new Date('2019-10-12').getTime(),
  description: 'The patient has been diagnosed Pararibulitis',
  note: 'secret',
  systemMetaData: systemMetaDataEncrypted,
})
const healthcareProfessional = new HealthcareProfessional({
  id: 'hcp-1',
  rev: '1-a',
  labels: [label],
  codes: [codingRef],
  name: 'Dr Who',
  lastName: 'Who',
  firstName: 'Doctor',
  names: [personName],
  gender: 'unknown',
  addresses: [address],
  languages: ['en', 'fr'],
  picture: pictureB64,
  specialityCodes: [codingRef],
  notes: 'notes',
  properties: [property],
  systemMetaData: systemMetaDataOwner,
})
const medicalDevice = new MedicalDevice({
  id: 'md-1',
  identifiers: [identifier],
  labels: [label],
  codes: [codingRef],
  name: 'Glucometer',
  type: 'glucometer',
  brand: 'Acme',
  model: 'G1',
  serialNumber: 'SN1',
  picture,
  properties: new Set([property]),
  systemMetaData: systemMetaDataOwner,
})
const user = new User({
  id: 'user-1',
  rev: '3-u',
  created: 1679919731079,
  name: 'Master HCP',
  properties: [property],
  roles: ['ROLE_1', 'ROLE_2'],
  login: 'master@example.org',
  healthcarePartyId: 'hcp-1',
  sharingDataWith: { medicalInformation: ['hcp-2'], all: new Set(['hcp-3']) },
  email: 'master@example.org',
  authenticationTokens: { t1: { creationTime: 1679919731274, validity: 86400 } },
})
const notification = new Notification({
  id: 'n-1',
  rev: '1-n',
  status: 'pending',
  identifiers: [identifier],
  properties: [property],
  type: NotificationTypeEnum.KEY_PAIR_UPDATE,
  systemMetaData: systemMetaDataEncrypted,
})
const coding = new Coding({
  id: 'SNOMEDCT|617|20020131',
  type: 'SNOMEDCT',
  code: '617',
  version: '20020131',
  regions: ['be'],
  description: { en: 'Pararibulitis' },
  qualifiedLinks: { parent: ['SNOMEDCT|600|20020131'] },
  searchTerms: { en: ['para', 'ribulitis'], fr: new Set(['para']) },
})
const document = new Document({
  id: 'doc-1',
  name: 'scan.jpg',
  mainUti: 'public.jpeg',
  otherUtis: ['public.image'],
  size: 10,
  hash: 'ab',
})
/** The patient below as an encrypted patient carries it: every field but the encrypted `note`. */
const encryptedPatientJson = {
  id: 'p-1',
  rev: '1-p',
  identifiers: [identifier],
  labels: [label],
  codes: [codingRef],
  firstName: 'John',
  lastName: 'Snow',
  names: [personName],
  languages: ['en'],
  addresses: [address],
  gender: 'male' as const,
  birthSex: 'male' as const,
  mergedIds: ['p-0'],
  active: true,
  deactivationReason: 'none' as const,
  personalStatus: 'single' as const,
  dateOfBirth: 19740000,
  picture: pictureB64,
  partnerships: [partnership],
  patientHealthCareParties: [patientHealthCareParty],
  patientProfessions: [codingRef],
  parameters: { key: ['v1', 'v2'] },
  properties: [property],
  systemMetaData: systemMetaDataOwnerEncrypted,
}
const patientJson = { ...encryptedPatientJson, note: 'Winter is coming' }
const patient = new Patient(patientJson)
const encryptedPatient = new EncryptedPatient(encryptedPatientJson)
const nextKeyPair = new PaginatedDocumentKeyAndIdPairObject({ startKey: ['a', 1], startKeyDocId: 'next' })

/** One representative instance per marshallable model class. */
const representatives: [string, AnyModelClass, AnyModel][] = [
  ['CodingReference', CodingReference, codingRef],
  ['Identifier', Identifier, identifier],
  ['Telecom', Telecom, telecom],
  ['Address', Address, address],
  ['PersonName', PersonName, personName],
  ['Partnership', Partnership, partnership],
  ['PatientHealthCareParty', PatientHealthCareParty, patientHealthCareParty],
  ['PropertyType', PropertyType, propertyType],
  ['TypedValueObject', TypedValueObject, typedValue],
  ['Property', Property, property],
  [
    'AuthenticationToken',
    AuthenticationToken,
    new AuthenticationToken({ token: 't', creationTime: 1, validity: 2 }),
  ],
  ['Delegation', Delegation, delegation],
  ['Document', Document, document],
  ['Filter', Filter, new Filter({ description: 'all patients' })],
  ['SecureDelegation', SecureDelegation, secureDelegation],
  ['SecurityMetaData', SecurityMetaData, securityMetaData],
  ['SystemMetaDataEncrypted', SystemMetaDataEncrypted, systemMetaDataEncrypted],
  ['SystemMetaDataOwner', SystemMetaDataOwner, systemMetaDataOwner],
  ['SystemMetaDataOwnerEncrypted', SystemMetaDataOwnerEncrypted, systemMetaDataOwnerEncrypted],
  ['Measure', Measure, measure],
  ['TimeSeries', TimeSeries, timeSeries],
  ['Content', Content, content],
  ['DataSample', DataSample, dataSample],
  ['HealthcareElement', HealthcareElement, healthcareElement],
  ['HealthcareProfessional', HealthcareProfessional, healthcareProfessional],
  ['MedicalDevice', MedicalDevice, medicalDevice],
  ['User', User, user],
  ['Notification', Notification, notification],
  ['Coding', Coding, coding],
  ['Patient', Patient, patient],
  ['EncryptedPatient', EncryptedPatient, encryptedPatient],
  [
    'AuthenticationProcess',
    AuthenticationProcess,
    new AuthenticationProcess({ requestId: 'r', login: 'a@b.c', bypassTokenCheck: false }),
  ],
  ['PaginatedDocumentKeyAndIdPairObject', PaginatedDocumentKeyAndIdPairObject, nextKeyPair],
  [
    'PaginatedListPatient',
    PaginatedListPatient,
    new PaginatedListPatient({ pageSize: 2, totalSize: 3, rows: [patient, patientJson], nextKeyPair }),
  ],
  [
    'PaginatedListDataSample',
    PaginatedListDataSample,
    new PaginatedListDataSample({ pageSize: 1, totalSize: 1, rows: [dataSample], nextKeyPair: {} }),
  ],
  [
    'PaginatedListHealthcareElement',
    PaginatedListHealthcareElement,
    new PaginatedListHealthcareElement({ pageSize: 1, totalSize: 1, rows: [healthcareElement] }),
  ],
  [
    'PaginatedListHealthcareProfessional',
    PaginatedListHealthcareProfessional,
    new PaginatedListHealthcareProfessional({
      pageSize: 1,
      totalSize: 1,
      rows: [healthcareProfessional],
      nextKeyPair,
    }),
  ],
  [
    'PaginatedListMedicalDevice',
    PaginatedListMedicalDevice,
    new PaginatedListMedicalDevice({ pageSize: 1, totalSize: 1, rows: [medicalDevice], nextKeyPair }),
  ],
  [
    'PaginatedListUser',
    PaginatedListUser,
    new PaginatedListUser({ pageSize: 1, totalSize: 1, rows: [user], nextKeyPair }),
  ],
  [
    'PaginatedListCoding',
    PaginatedListCoding,
    new PaginatedListCoding({ pageSize: 1, totalSize: 1, rows: [coding], nextKeyPair }),
  ],
  [
    'PaginatedListNotification',
    PaginatedListNotification,
    new PaginatedListNotification({ pageSize: 1, totalSize: 1, rows: [notification], nextKeyPair }),
  ],
]

describe('model round trips', () => {
  for (const [name, cls, instance] of representatives) {
    describe(name, () => {
      it('is rebuilt equal from its marshalled JSON', () => {
        const json = viaJson(instance.marshal())
        expect(new cls(json)).toEqual(instance)
        expect(new cls(json)).toStrictEqual(instance)
      })

      it('is rebuilt equal from itself, as a copy', () => {
        const copy = new cls(instance)
        expect(copy).toEqual(instance)
        expect(copy).toStrictEqual(instance)
        expect(copy).not.toBe(instance)
      })

      it('marshals to plain JSON that survives JSON.stringify', () => {
        const marshalled = instance.marshal()
        expectPlainJson(marshalled)
        expect(JSON.parse(JSON.stringify(marshalled))).toEqual(marshalled)
      })
    })
  }

  it('InlineResponse403 (no marshal) is rebuilt equal from itself and from its JSON', () => {
    const response = new InlineResponse403({
      _short: 1,
      _char: 'c',
      _int: 2,
      _long: 3,
      direct: true,
      readOnly: false,
    })
    expect(new InlineResponse403(response)).toStrictEqual(response)
    expect(new InlineResponse403(viaJson(response))).toStrictEqual(response)
    expect('marshal' in response).toBe(false)
  })

  it('keeps binary fields byte for byte through both round trips', () => {
    const fromJson = new Patient(viaJson(patient.marshal()))
    expect(bytes(fromJson.picture)).toEqual(bytes(picture))
    expect(bytes(new Patient(patient).picture)).toEqual(bytes(picture))
    const contentFromJson = new Content(viaJson(content.marshal()))
    expect(bytes(contentFromJson.binaryValue)).toEqual(bytes(picture))
    expect(bytes(new MedicalDevice(medicalDevice.marshal()).picture)).toEqual(bytes(picture))
    expect(bytes(new HealthcareProfessional(healthcareProfessional).picture)).toEqual(bytes(picture))
  })

  it('re-wraps nested values in their model classes after a JSON round trip', () => {
    const ds = new DataSample(viaJson(dataSample.marshal()))
    expect(ds.content.en).toBeInstanceOf(Content)
    expect(ds.content.en.measureValue).toBeInstanceOf(Measure)
    expect(ds.content.en.timeSeries).toBeInstanceOf(TimeSeries)
    expect(ds.content.en.compoundValue[0]).toBeInstanceOf(DataSample)
    expect(ds.content.en.compoundValue[0].content.en).toBeInstanceOf(Content)
    expect([...ds.labels][0]).toBeInstanceOf(CodingReference)
    expect(ds.identifiers[0].type).toBeInstanceOf(CodingReference)
    expect(ds.systemMetaData).toBeInstanceOf(SystemMetaDataEncrypted)
    expect([...ds.systemMetaData!.delegations['hcp-1']][0]).toBeInstanceOf(Delegation)
    expect(ds.systemMetaData!.securityMetadata!.secureDelegations.h2).toBeInstanceOf(SecureDelegation)
    const p = new Patient(viaJson(patient.marshal()))
    expect(p.systemMetaData).toBeInstanceOf(SystemMetaDataOwnerEncrypted)
    expect(p.addresses[0].telecoms[1]).toBeInstanceOf(Telecom)
    expect([...p.properties][0].typedValue).toBeInstanceOf(TypedValueObject)
    expect(new User(user.marshal()).authenticationTokens.t1).toBeInstanceOf(AuthenticationToken)
    expect(new PaginatedListPatient({ rows: [patientJson] }).rows[0]).toBeInstanceOf(Patient)
  })

  it('makes deep copies: mutating a copy leaves the source untouched', () => {
    const copy = new DataSample(dataSample)
    copy.labels.add(new CodingReference({ type: 'X', code: 'Y' }))
    copy.content.en.compoundValue[0].comment = 'changed'
    copy.systemMetaData!.delegations['hcp-1'].clear()
    expect(dataSample.labels.size).toBe(1)
    expect(dataSample.content.en.compoundValue[0].comment).toBeUndefined()
    expect(dataSample.systemMetaData!.delegations['hcp-1'].size).toBe(1)
  })
})

describe('defaults', () => {
  it('Patient: collections default, no-default fields stay undefined', () => {
    const p = new Patient({})
    expect(p.labels).toEqual(new Set())
    expect(p.labels).toBeInstanceOf(Set)
    expect(p.codes).toEqual(new Set())
    expect(p.mergedIds).toEqual(new Set())
    expect(p.properties).toEqual(new Set())
    expect(p.identifiers).toEqual([])
    expect(p.names).toEqual([])
    expect(p.addresses).toEqual([])
    expect(p.partnerships).toEqual([])
    expect(p.patientHealthCareParties).toEqual([])
    expect(p.patientProfessions).toEqual([])
    for (const key of [
      'languages',
      'active',
      'deactivationReason',
      'parameters',
      'picture',
      'systemMetaData',
      'id',
    ]) {
      expect(key in p, key).toBe(false)
    }
  })

  it('DataSample, HealthcareElement, HCP, MedicalDevice, User, Notification, Coding, Document', () => {
    const ds = new DataSample({})
    expect(ds.content).toEqual({})
    expect(ds.identifiers).toEqual([])
    expect(ds.healthcareElementIds).toEqual(new Set())
    expect(ds.canvasesIds).toEqual(new Set())
    expect(ds.codes).toEqual(new Set())
    expect(ds.labels).toEqual(new Set())
    expect(ds.qualifiedLinks).toBeUndefined()
    expect(ds.rev).toBeUndefined()

    const he = new HealthcareElement({})
    expect(he.identifiers).toEqual([])
    expect(he.labels).toEqual(new Set())
    expect(he.codes).toEqual(new Set())

    const hcp = new HealthcareProfessional({})
    expect(hcp.names).toEqual([])
    expect(hcp.addresses).toEqual([])
    expect(hcp.properties).toEqual(new Set())
    expect(hcp.specialityCodes).toBeUndefined()
    expect(hcp.languages).toBeUndefined()

    const md = new MedicalDevice({})
    expect(md.identifiers).toEqual([])
    expect(md.labels).toEqual(new Set())
    expect(md.properties).toEqual(new Set())

    const u = new User({})
    expect(u.sharingDataWith).toEqual({})
    expect(u.authenticationTokens).toEqual({})
    expect(u.roles).toEqual(new Set())
    expect(u.properties).toEqual(new Set())

    const n = new Notification({})
    expect(n.identifiers).toEqual([])
    expect(n.properties).toBeUndefined()
    expect(n.systemMetaData).toBeUndefined()

    const c = new Coding({})
    expect(c.searchTerms).toEqual({})
    expect(c.qualifiedLinks).toBeUndefined()

    expect(new Document({}).otherUtis).toEqual(new Set())
  })

  it('value classes and metadata', () => {
    expect(new Address({}).telecoms).toEqual([])
    const content = new Content({})
    expect(content.compoundValue).toEqual([])
    expect(content.ratio).toEqual([])
    expect(content.range).toEqual([])
    expect(new Measure({}).unitCodes).toBeUndefined()
    expect(new PersonName({}).firstNames).toBeUndefined()
    expect(new Delegation({}).tags).toBeUndefined()
    expect(new TimeSeries({}).samples).toBeUndefined()

    expect(new SystemMetaDataEncrypted({})).toStrictEqual(
      new SystemMetaDataEncrypted({
        secretForeignKeys: [],
        cryptedForeignKeys: {},
        delegations: {},
        encryptionKeys: {},
      }),
    )
    const owner = new SystemMetaDataOwner({})
    expect(owner.publicKeysForOaepWithSha256).toEqual(new Set())
    expect(owner.hcPartyKeys).toBeUndefined()
    expect(owner.publicKey).toBeUndefined()
    const ownerEncrypted = new SystemMetaDataOwnerEncrypted({})
    expect(ownerEncrypted.publicKeysForOaepWithSha256).toEqual(new Set())
    expect(ownerEncrypted.secretForeignKeys).toEqual([])
    expect(ownerEncrypted.delegations).toEqual({})
    expect(ownerEncrypted.aesExchangeKeys).toBeUndefined()

    const security = new SecurityMetaData({})
    expect(security.secureDelegations).toEqual({})
    expect(security.keysEquivalences).toEqual({})
    const secure = new SecureDelegation({})
    expect(secure.secretIds).toEqual(new Set())
    expect(secure.encryptionKeys).toEqual(new Set())
    expect(secure.owningEntityIds).toEqual(new Set())
    expect(secure.parentDelegations).toEqual(new Set())
    expect(secure.permissions).toBeUndefined()

    const page = new PaginatedListUser({})
    expect(page.rows).toEqual([])
    expect(page.nextKeyPair).toBeUndefined()
  })

  it('treats a non-collection value of a Set field (e.g. a Set printed by JSON.stringify) as absent', () => {
    const printed = JSON.parse(JSON.stringify(new Patient({ labels: [label] }))) as Record<string, unknown>
    expect(printed.labels).toEqual({})
    expect(new Patient(printed).labels).toEqual(new Set())
  })
})

describe('normalisation', () => {
  it('builds Sets from arrays, and new Sets from Sets', () => {
    const roles = new Set(['A'])
    const u = new User({ roles, sharingDataWith: { medicalInformation: ['hcp-2', 'hcp-2'] } })
    expect(u.roles).toEqual(new Set(['A']))
    expect(u.roles).not.toBe(roles)
    expect(u.sharingDataWith.medicalInformation).toEqual(new Set(['hcp-2']))
    const p = new Patient({ labels: [{ type: 'A', code: 'B' }], mergedIds: ['x'] })
    expect(p.labels).toBeInstanceOf(Set)
    expect([...p.labels][0]).toBeInstanceOf(CodingReference)
    expect(p.mergedIds).toEqual(new Set(['x']))
  })

  it('accepts arrays or Sets as values of delegation maps', () => {
    const meta = new SystemMetaDataEncrypted({
      delegations: { a: [delegation], b: new Set([delegation]) },
    })
    expect(meta.delegations.a).toBeInstanceOf(Set)
    expect(meta.delegations.b).toBeInstanceOf(Set)
    expect(meta.delegations.a).toEqual(meta.delegations.b)
  })

  it('decodes base64 pictures and binary values', () => {
    const p = new Patient({ picture: 'AQID' })
    expect(p.picture).toBeInstanceOf(ArrayBuffer)
    expect(bytes(p.picture)).toEqual([1, 2, 3])
    expect(p.marshal().picture).toBe('AQID')
    expect(bytes(new Content({ binaryValue: 'AQID' }).binaryValue)).toEqual([1, 2, 3])
    expect(bytes(new MedicalDevice({ picture: new Uint8Array([4, 5]) }).picture)).toEqual([4, 5])
    expect(
      bytes(base64ToArrayBuffer(arrayBufferToBase64(new Uint8Array(70000).fill(7).buffer))),
    ).toHaveLength(70000)
    const invalid = new Patient({ picture: 42 as unknown as string })
    expect(invalid.picture).toBeUndefined()
    expect('picture' in invalid).toBe(false)
  })

  it('copies unknown extra keys and marshals them', () => {
    const p = new Patient({ firstName: 'A', extra: 'kept' } as never)
    expect((p as unknown as { extra: string }).extra).toBe('kept')
    expect((p.marshal() as Record<string, unknown>).extra).toBe('kept')
  })

  it('SystemMetaDataEncrypted ignores unknown keys', () => {
    const meta = new SystemMetaDataEncrypted({ publicKey: 'pk', hcPartyKeys: {}, other: 1 } as never)
    expect(Object.keys(meta).sort()).toEqual([
      'cryptedForeignKeys',
      'delegations',
      'encryptionKeys',
      'secretForeignKeys',
    ])
    const ds = new DataSample({ systemMetaData: systemMetaDataOwnerEncrypted })
    expect(ds.systemMetaData).toBeInstanceOf(SystemMetaDataEncrypted)
    expect('publicKeysForOaepWithSha256' in ds.systemMetaData!).toBe(false)
  })

  it('marshal() turns Sets into arrays, ArrayBuffers into base64 and omits undefined fields', () => {
    const json = dataSample.marshal()
    expect(Array.isArray(json.labels)).toBe(true)
    expect(json.healthcareElementIds).toEqual(['he-1', 'he-2'])
    expect(Array.isArray(json.systemMetaData!.delegations['hcp-1'])).toBe(true)
    expect(typeof json.content.en.binaryValue).toBe('string')
    expect(json.content.en.compoundValue[0].labels).toEqual([{ type: 'IC-TEST', code: 'TEST' }])
    expect('closingDate' in json).toBe(false)
    expect(new Patient({ firstName: 'A', lastName: undefined }).marshal()).not.toHaveProperty('lastName')
    expect(user.marshal().sharingDataWith).toEqual({ medicalInformation: ['hcp-2'], all: ['hcp-3'] })
  })

  it('Measure omits empty unit codes when marshalling and normalises them to undefined', () => {
    const m = new Measure({ value: 1, unitCodes: [] })
    expect(m.unitCodes).toBeUndefined()
    expect(m.marshal()).toEqual({ value: 1 })
    expect(new Measure(viaJson(m.marshal()))).toStrictEqual(m)
    expect(measure.marshal().unitCodes).toHaveLength(1)
  })

  it('CodingReference keeps a missing id; fromDto derives it', () => {
    expect(new CodingReference({ type: 'IC-TEST', code: 'TEST' }).id).toBeUndefined()
    expect(CodingReference.fromDto({ type: 'IC-TEST', code: 'TEST' }).id).toBe('IC-TEST|TEST|undefined')
    expect(CodingReference.fromDto({ type: 'A', code: 'B', version: '1' })).toStrictEqual(
      new CodingReference({ id: 'A|B|1', type: 'A', code: 'B', version: '1' }),
    )
    expect(CodingReference.fromDto({ id: 'given', type: 'A', code: 'B' }).id).toBe('given')
  })

  it('Patient and EncryptedPatient are told apart with instanceof', () => {
    const check = (p: PotentiallyEncryptedPatient): string => {
      if (p instanceof Patient) return `decrypted ${p.note}`
      if (p instanceof EncryptedPatient) return 'encrypted'
      return 'other'
    }
    expect(check(patient)).toBe('decrypted Winter is coming')
    expect(check(encryptedPatient)).toBe('encrypted')
    expect(encryptedPatient instanceof Patient).toBe(false)
    expect(new EncryptedPatient(patient)).toBeInstanceOf(EncryptedPatient)
  })
})

describe('enums and type helpers', () => {
  it('exposes the enum-like constants with their string values', () => {
    expect(NotificationTypeEnum).toEqual({
      KEY_PAIR_UPDATE: 'KEY_PAIR_UPDATE',
      NEW_USER_OWN_DATA_ACCESS: 'NEW_USER_OWN_DATA_ACCESS',
      OTHER: 'OTHER',
    })
    expect(DataOwnerTypeEnum).toEqual({
      Patient: 'Patient',
      HealthcareProfessional: 'HealthcareProfessional',
      MedicalDevice: 'MedicalDevice',
    })
    expect(AccessLevelEnum).toEqual({ READ: 'READ', WRITE: 'WRITE' })
    const other: NotificationTypeEnum.OTHER = NotificationTypeEnum.OTHER
    const status: MaintenanceTaskStatusEnum = 'completed'
    const captcha: RecaptchaType = 'friendly-captcha'
    const kind: SharedDataType = 'administrativeInformation'
    expect([other, status, captcha, kind]).toEqual([
      'OTHER',
      'completed',
      'friendly-captcha',
      'administrativeInformation',
    ])
    expect(new Notification({ type: 'OTHER' }).type).toBe(NotificationTypeEnum.OTHER)
  })

  it('DataOwnerWithType discriminates on type', () => {
    const owners: DataOwnerWithType[] = [
      { type: DataOwnerTypeEnum.Patient, dataOwner: encryptedPatient },
      { type: 'HealthcareProfessional', dataOwner: healthcareProfessional },
      { type: 'MedicalDevice', dataOwner: medicalDevice },
    ]
    const names = owners.map((owner) => {
      switch (owner.type) {
        case 'Patient':
          return owner.dataOwner.lastName
        case 'HealthcareProfessional':
          return owner.dataOwner.name
        case 'MedicalDevice':
          return owner.dataOwner.serialNumber
      }
    })
    expect(names).toEqual(['Snow', 'Dr Who', 'SN1'])
  })
})

describe('documentation (seed) constructions', () => {
  it('new Patient({ firstName, lastName, note })', () => {
    const note = 'Winter is coming'
    const p = new Patient({ firstName: 'John', lastName: 'Snow', note })
    expect(p.firstName).toBe('John')
    expect(p.note).toBe(note)
    expect(JSON.parse(JSON.stringify(p))).toEqual({
      firstName: 'John',
      lastName: 'Snow',
      note,
      identifiers: [],
      labels: {},
      codes: {},
      names: [],
      addresses: [],
      mergedIds: {},
      partnerships: [],
      patientHealthCareParties: [],
      patientProfessions: [],
      properties: {},
    })
  })

  it('new HealthcareElement with a Set of CodingReference', () => {
    const description = 'The patient has been diagnosed Pararibulitis'
    const he = new HealthcareElement({
      description: description,
      codes: new Set([
        new CodingReference({
          id: 'SNOMEDCT|617|20020131',
          type: 'SNOMEDCT',
          code: '617',
          version: '20020131',
        }),
      ]),
      openingDate: new Date('2019-10-12').getTime(),
    })
    expect(he.description).toBe(description)
    expect([...he.codes]).toEqual([codingRef])
    expect(he.openingDate).toBe(1570838400000)
    expect(he.labels).toEqual(new Set())
  })

  it('new DataSample with Content instances or plain content objects', () => {
    const withInstance = new DataSample({
      labels: new Set([new CodingReference({ type: 'IC-TEST', code: 'TEST' })]),
      content: { en: new Content({ stringValue: 'Hello world' }) },
      openingDate: 20220929083400,
      comment: 'This is a comment',
    })
    const withPlain = new DataSample({
      labels: new Set([new CodingReference({ type: 'IC-TEST', code: 'TEST' })]),
      content: { en: { stringValue: 'Hello world' } },
      openingDate: 20220929083400,
      comment: 'This is a comment',
    })
    expect(withPlain.content.en).toBeInstanceOf(Content)
    expect(withPlain).toStrictEqual(withInstance)
    expect(JSON.parse(JSON.stringify(withPlain.content))).toEqual({
      en: { stringValue: 'Hello world', compoundValue: [], ratio: [], range: [] },
    })
  })

  it('new DataSample({ ...existing, content }) keeps everything but the content', () => {
    const existing = dataSample
    const modified = new DataSample({
      ...existing,
      content: { en: new Content({ stringValue: "Won't automatically update who the data is shared with" }) },
    })
    expect(modified.id).toBe(existing.id)
    expect(modified.rev).toBe(existing.rev)
    expect(modified.batchId).toBe(existing.batchId)
    expect(modified.labels).toEqual(existing.labels)
    expect(modified.labels).not.toBe(existing.labels)
    expect(modified.systemMetaData).toEqual(existing.systemMetaData)
    expect(Object.keys(modified.content)).toEqual(['en'])
    expect(modified.content.en.stringValue).toMatch(/^Won't/)
    const plain = new DataSample({ ...existing, content: { fr: { numberValue: 2 } } })
    expect(plain.content.fr).toBeInstanceOf(Content)
  })
})
