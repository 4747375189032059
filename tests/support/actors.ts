import {
  MemoryStorage,
  Patient,
  SimpleMedTechCryptoStrategies,
  User,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'
import { createHcp } from '../../packages/cli/src/commands/create-hcp.ts'
import type { ServerProcess } from './server-process.ts'

/** A logged-in data owner for tests: its API, user and credentials. */
export interface Actor {
  api: MedTechApi
  user: User
  login: string
  password: string
  dataOwnerId: string
}

let counter = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`

/** Builds an API for a login the way an app does (memory key storage, given key pairs). */
export async function login(
  server: ServerProcess,
  loginName: string,
  password: string,
  keys: { privateKey: string; publicKey: string }[] = [],
): Promise<MedTechApi> {
  return medTechApi()
    .withICureBaseUrl(server.url)
    .withUserName(loginName)
    .withPassword(password)
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies(keys))
    .build()
}

/** A new healthcare professional created with the CLI's create-hcp flow (key pair made client side). */
export async function newHcp(server: ServerProcess, name = 'hcp'): Promise<Actor> {
  const creds = await createHcp({
    url: server.url,
    adminLogin: server.adminLogin,
    adminPassword: server.adminPassword,
    login: `${unique(name)}@example.org`,
    firstName: name,
    lastName: 'Test',
  })
  const api = await login(server, creds.login, creds.password, [creds.keyPair])
  const user = await api.userApi.getLoggedUser()
  return {
    api,
    user,
    login: creds.login,
    password: creds.password,
    dataOwnerId: creds.healthcareProfessionalId,
  }
}

/**
 * A new patient data owner: `hcp` creates its patient record and a user for it; the patient logs in
 * (and gets a key pair generated on its side).
 */
export async function newPatient(server: ServerProcess, hcp: Actor, firstName = 'Pat'): Promise<Actor> {
  const record = await hcp.api.patientApi.createOrModifyPatient(
    new Patient({ firstName, lastName: 'Patient' }),
  )
  const loginName = `${unique('patient')}@example.org`
  const password = unique('pw')
  await hcp.api.userApi.createOrModifyUser(
    new User({ login: loginName, passwordHash: password, patientId: record.id }),
  )
  const api = await login(server, loginName, password)
  const user = await api.userApi.getLoggedUser()
  return { api, user, login: loginName, password, dataOwnerId: record.id! }
}
