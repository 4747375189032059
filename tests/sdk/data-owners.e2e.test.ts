import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EncryptedPatient,
  HealthcareProfessional,
  MemoryStorage,
  Patient,
  SimpleMedTechCryptoStrategies,
  User,
  medTechApi,
} from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, newPatient, type Actor } from '../support/actors.ts'

/** Data owners and users through the SDK: an HCP onboards a colleague, keys are made where they are used. */
describe('data owners and users', () => {
  let server: ServerProcess
  let hcp: Actor

  beforeAll(async () => {
    server = await startServer()
    hcp = await newHcp(server, 'onboarding')
  })
  afterAll(() => disposeServer(server))

  it('an HCP creates another HCP and its user; the new HCP gets a key pair on first login and can be shared with', async () => {
    const colleague = await hcp.api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
      new HealthcareProfessional({ firstName: 'Greg', lastName: 'House', speciality: 'diagnostics' }),
    )
    expect(colleague.rev).toMatch(/^1-/)
    expect(colleague.names[0]).toMatchObject({ lastName: 'House', firstNames: ['Greg'], use: 'official' })
    expect(
      (await hcp.api.healthcareProfessionalApi.getHealthcareProfessional(colleague.id!)).speciality,
    ).toBe('diagnostics')
    const user = await hcp.api.userApi.createOrModifyUser(
      new User({
        login: 'house@example.org',
        email: 'house@example.org',
        passwordHash: 'vicodin',
        healthcarePartyId: colleague.id,
      }),
    )
    expect(user.passwordHash).toBeUndefined()
    expect(user.healthcarePartyId).toBe(colleague.id)

    const strategies = new SimpleMedTechCryptoStrategies([])
    const houseApi = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName('house@example.org')
      .withPassword('vicodin')
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(strategies)
      .build()
    const generated = strategies.generatedKeyPair
    expect(generated?.publicKey).toMatch(/^[0-9a-f]+$/)
    const published = await hcp.api.dataOwnerApi.getDataOwner(colleague.id!)
    expect(published.type).toBe('HealthcareProfessional')
    expect(hcp.api.dataOwnerApi.getPublicKeysOf(published)).toEqual([generated!.publicKey])

    const patient = await hcp.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'A', lastName: 'B', note: 'lupus?' }),
    )
    await hcp.api.patientApi.giveAccessTo(patient, colleague.id!)
    expect((await houseApi.patientApi.getPatient(patient.id!)).note).toBe('lupus?')

    // The same user on another device with the key pair it kept: no new key is generated.
    const again = await login(server, 'house@example.org', 'vicodin', [generated!])
    expect((await again.patientApi.getPatient(patient.id!)).note).toBe('lupus?')
    expect(
      hcp.api.dataOwnerApi.getPublicKeysOf(await hcp.api.dataOwnerApi.getDataOwner(colleague.id!)),
    ).toHaveLength(1)
    // medTechApi(api) copies every setting.
    const rebuilt = await medTechApi(again).build()
    expect((await rebuilt.userApi.getLoggedUser()).id).toBe(user.id)
  })

  it('getDataOwner types patients, and shows a patient that is not shared only as an encrypted stub', async () => {
    const p = await newPatient(server, hcp, 'Typed')
    const seen = await hcp.api.dataOwnerApi.getDataOwner(p.dataOwnerId)
    expect(seen.type).toBe('Patient')
    expect(seen.dataOwner).toBeInstanceOf(Patient)
    const stranger = await newHcp(server, 'stranger')
    const stub = await stranger.api.dataOwnerApi.getDataOwner(p.dataOwnerId)
    expect(stub.type).toBe('Patient')
    expect(stub.dataOwner).toBeInstanceOf(EncryptedPatient)
    expect((stub.dataOwner as EncryptedPatient).firstName).toBeUndefined()
    expect(stranger.api.dataOwnerApi.getPublicKeysOf(stub)).toHaveLength(1)
    // The patient can fetch its own record but not decrypt it until the HCP shares it.
    await expect(p.api.patientApi.getPatient(p.dataOwnerId)).rejects.toThrow(/Could not decrypt patient/)
    const own = await p.api.patientApi.getPatientAndTryDecrypt(p.dataOwnerId)
    expect(own).toBeInstanceOf(EncryptedPatient)
    await hcp.api.patientApi.giveAccessTo(await hcp.api.patientApi.getPatient(p.dataOwnerId), p.dataOwnerId)
    expect((await p.api.patientApi.getPatient(p.dataOwnerId)).firstName).toBe('Typed')
  })
})
