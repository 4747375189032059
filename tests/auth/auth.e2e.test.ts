import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Patient, User } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { login, newHcp, type Actor } from '../support/actors.ts'

/** Authentication through the SDK: tokens as passwords, expiring access tokens, wrong credentials. */
describe('authentication', () => {
  let server: ServerProcess
  let hcp: Actor

  beforeAll(async () => {
    // Access tokens live 2 s here, so the SDK must refresh them during the test.
    server = await startServer({ env: { CAIRN_ACCESS_TOKEN_TTL: '2' } })
    hcp = await newHcp(server, 'auth')
  })
  afterAll(() => disposeServer(server))

  it('a long-lived token from createToken works as the password (login or email)', async () => {
    const token = await hcp.api.userApi.createToken(hcp.user.id!, 3600)
    const api = await login(server, hcp.login, token)
    expect((await api.userApi.getLoggedUser()).id).toBe(hcp.user.id)
    const user = await hcp.api.userApi.getLoggedUser()
    expect(Object.keys(user.authenticationTokens)).toHaveLength(1)
    expect(JSON.stringify(user.marshal())).not.toContain(token.split('.')[1])
  })

  it('an expired token is refused', async () => {
    const token = await hcp.api.userApi.createToken(hcp.user.id!, 1)
    await new Promise((r) => setTimeout(r, 1500))
    await expect(login(server, hcp.login, token)).rejects.toThrow(/^401 - Invalid username or password/)
  })

  it('the SDK refreshes expired access tokens transparently', async () => {
    const patient = await hcp.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'R', lastName: 'Fresh', note: 'x' }),
    )
    await new Promise((r) => setTimeout(r, 2500))
    expect((await hcp.api.patientApi.getPatient(patient.id!)).note).toBe('x')
  })

  it('logins and emails are matched whatever their case', async () => {
    const api = await login(server, hcp.login.toUpperCase(), hcp.password)
    expect((await api.userApi.getLoggedUser()).id).toBe(hcp.user.id)
    const admin = await login(server, server.adminLogin.toUpperCase(), server.adminPassword)
    await expect(
      admin.userApi.createOrModifyUser(new User({ login: hcp.login.toUpperCase(), passwordHash: 'x' })),
    ).rejects.toThrow(/^409 - A user with this id, login, email or phone already exists/)
  })

  it('wrong credentials reject build() with a 401 and a clear message', async () => {
    await expect(login(server, hcp.login, 'not the password')).rejects.toThrow(
      /^401 - Invalid username or password/,
    )
    await expect(login(server, 'nobody@example.org', 'x')).rejects.toThrow(
      /^401 - Invalid username or password/,
    )
  })

  it('passwords are never returned and a user can change its own', async () => {
    const user = await hcp.api.userApi.getLoggedUser()
    expect(user.passwordHash).toBeUndefined()
    const changed = await hcp.api.userApi.createOrModifyUser(
      new User({ ...user, passwordHash: 'a new password' }),
    )
    expect(changed.passwordHash).toBeUndefined()
    expect((await login(server, hcp.login, 'a new password').then((a) => a.userApi.getLoggedUser())).id).toBe(
      user.id,
    )
    await expect(login(server, hcp.login, hcp.password)).rejects.toThrow(/^401/)
  })

  it('builder validation and URL normalisation', async () => {
    const { medTechApi, SimpleMedTechCryptoStrategies } = await import('@cairn/sdk')
    await expect(medTechApi().withUserName('x').withPassword('y').build()).rejects.toThrow(
      'cryptoStrategies is required',
    )
    await expect(
      medTechApi().withPassword('y').withCryptoStrategies(new SimpleMedTechCryptoStrategies()).build(),
    ).rejects.toThrow('userName is required')
    expect(() => medTechApi().withICureBaseUrl('ftp://x')).toThrow(/Invalid API URL/)
    const api = await medTechApi()
      .withICureBaseUrl(`${server.url}/rest/v1/`)
      .withUserName(server.adminLogin)
      .withPassword(server.adminPassword)
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies())
      .build()
    expect(api.iCureBaseUrl).toBe(server.url)
    expect(() => api.dataOwnerApi.getDataOwnerIdOf(new User({}))).toThrow(/is not a data owner/)
  })
})
