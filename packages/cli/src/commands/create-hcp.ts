import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import {
  HealthcareProfessional,
  MemoryStorage,
  SimpleMedTechCryptoStrategies,
  User,
  generateKeyPairHex,
  medTechApi,
} from '@cairn/sdk'

const HELP = `Usage: cairn create-hcp --login LOGIN --first-name F --last-name L --out FILE [options]

Creates a healthcare professional, its user and its key pair. The key pair is generated here, on
the client side: only the public key is sent to the server. The file written (mode 600) holds the
login, password, ids and the key pair (hex PKCS#8 private key, hex SPKI public key), to be given to
SimpleMedTechCryptoStrategies.

Options:
  --url URL               server (default http://127.0.0.1:16043)
  --admin-login LOGIN     an admin or a healthcare professional (default $CAIRN_ADMIN_LOGIN or "admin")
  --admin-password PW     its password (default $CAIRN_ADMIN_PASSWORD)
  --password PW           password of the new user (generated and written to the file if absent)
  --email EMAIL           email of the new user`

/** The file `create-hcp` writes. */
export interface HcpCredentialsFile {
  url: string
  login: string
  password: string
  userId: string
  healthcareProfessionalId: string
  keyPair: { privateKey: string; publicKey: string }
}

/** `cairn create-hcp`: how a new Cairn installation gets its first doctor account. */
export async function runCreateHcp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:16043' },
      'admin-login': { type: 'string' },
      'admin-password': { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string' },
      email: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const missing = ['login', 'first-name', 'last-name', 'out'].filter((k) => !values[k as keyof typeof values])
  if (missing.length > 0)
    throw new Error(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}\n\n${HELP}`)
  const adminPassword = values['admin-password'] ?? process.env.CAIRN_ADMIN_PASSWORD
  if (!adminPassword) throw new Error('--admin-password (or CAIRN_ADMIN_PASSWORD) is required')
  const result = await createHcp({
    url: values.url,
    adminLogin: values['admin-login'] ?? process.env.CAIRN_ADMIN_LOGIN ?? 'admin',
    adminPassword,
    login: values.login!,
    password: values.password,
    email: values.email,
    firstName: values['first-name']!,
    lastName: values['last-name']!,
  })
  await writeFile(values.out!, JSON.stringify(result, null, 2) + '\n', { mode: 0o600 })
  console.log(
    `Created healthcare professional ${result.healthcareProfessionalId} (user ${result.login}); credentials and key pair written to ${values.out}`,
  )
  return 0
}

/**
 * Creates the professional, then its user, through the SDK over HTTP, then logs in once as the new
 * professional to publish its public key. The private key never leaves this process except into the
 * returned object.
 */
export async function createHcp(p: {
  url: string
  adminLogin: string
  adminPassword: string
  login: string
  password?: string
  email?: string
  firstName: string
  lastName: string
}): Promise<HcpCredentialsFile> {
  const api = await medTechApi()
    .withICureBaseUrl(p.url)
    .withUserName(p.adminLogin)
    .withPassword(p.adminPassword)
    // A one-shot process: nothing to remember between runs (no pins, no key pair of the admin).
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
    .build()
  // The record is created without keys: protocol v2 lets only the data owner itself publish its keys,
  // which the first login as the new professional does below (the SDK publishes the pair it is given
  // when none is published yet).
  const hcp = await api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
    new HealthcareProfessional({ firstName: p.firstName, lastName: p.lastName }),
  )
  // Generated passwords never start with '-': they are pasted after command-line flags (parseArgs
  // takes "--admin-password -x…" for a missing value). Mapping one of 64 first characters costs no
  // meaningful entropy (144 bits).
  const password = p.password ?? randomBytes(18).toString('base64url').replace(/^-/, 'A')
  const user = await api.userApi.createOrModifyUser(
    new User({ login: p.login, email: p.email, passwordHash: password, healthcarePartyId: hcp.id }),
  )
  const keyPair = await generateKeyPairHex()
  await medTechApi()
    .withICureBaseUrl(p.url)
    .withUserName(p.login)
    .withPassword(password)
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies([keyPair]))
    .build()
  return {
    url: p.url,
    login: p.login,
    password,
    userId: user.id!,
    healthcareProfessionalId: hcp.id!,
    keyPair,
  }
}
