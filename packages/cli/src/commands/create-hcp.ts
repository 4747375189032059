import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import {
  HealthcareProfessional,
  MemoryStorage,
  SimpleMedTechCryptoStrategies,
  User,
  generateKeyPairHex,
  medTechApi,
} from '@cairn/sdk'
import { reserveOutputFile } from './output-file.ts'

const HELP = `Usage: cairn create-hcp --login LOGIN --first-name F --last-name L --out FILE [options]

Creates a healthcare professional, its user and its key pair. The professional and its user are
created in one request (both or neither); the key pair is generated here, on the client side, and
only its public key is sent, by a first login as the new professional. The file written (mode 600)
holds the login, password, ids and the key pair (hex PKCS#8 private key, hex SPKI public key), to be
given to SimpleMedTechCryptoStrategies. It is written before that first login, and an existing file
is only replaced with --force.

Options:
  --url URL               server (default http://127.0.0.1:16043)
  --admin-login LOGIN     an admin or a healthcare professional (default $CAIRN_ADMIN_LOGIN or "admin")
  --admin-password PW     its password (default $CAIRN_ADMIN_PASSWORD)
  --password PW           password of the new user (generated and written to the file if absent)
  --email EMAIL           email of the new user
  --force                 replace the --out file if it exists`

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
      force: { type: 'boolean', default: false },
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
  // Before any request: a path that cannot be written must not cost an account whose password and
  // private key would then exist nowhere.
  const out = await reserveOutputFile(values.out!, values.force === true)
  let written = false
  const result = await createHcp({
    url: values.url,
    adminLogin: values['admin-login'] ?? process.env.CAIRN_ADMIN_LOGIN ?? 'admin',
    adminPassword,
    login: values.login!,
    password: values.password,
    email: values.email,
    firstName: values['first-name']!,
    lastName: values['last-name']!,
    // Written as soon as the account exists: should the first login fail, the file still holds the
    // password and the key pair, and the next login with them publishes the key.
    beforeFirstLogin: async (credentials) => {
      await out.commit(JSON.stringify(credentials, null, 2) + '\n').catch((e: unknown) => {
        throw new Error(
          `created healthcare professional ${credentials.healthcareProfessionalId} and its user ${credentials.userId}, but could not write ${values.out}: ${message(e)} (an admin can delete that user, or set a new password)`,
        )
      })
      written = true
    },
  }).catch(async (e: unknown) => {
    if (!written) {
      await out.abort()
      throw e
    }
    throw new Error(
      `created the account and wrote ${values.out}, but the first login as it failed: ${message(e)}. Logging in with the file's credentials and key pair publishes the key.`,
    )
  })
  console.log(
    `Created healthcare professional ${result.healthcareProfessionalId} (user ${result.login}); credentials and key pair written to ${values.out}`,
  )
  return 0
}

/**
 * Creates the professional and its user in one request through the SDK over HTTP (both or neither:
 * no professional without a user, which another professional could otherwise claim), then logs in
 * once as the new professional to publish its public key. The private key never leaves this process
 * except into the returned object (and `beforeFirstLogin`, which the command uses to write its file).
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
  /** Called with the credentials once the account exists, before the first login publishes the key. */
  beforeFirstLogin?: (credentials: HcpCredentialsFile) => Promise<void>
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
  // Generated passwords never start with '-': they are pasted after command-line flags (parseArgs
  // takes "--admin-password -x…" for a missing value). Mapping one of 64 first characters costs no
  // meaningful entropy (144 bits).
  const password = p.password ?? randomBytes(18).toString('base64url').replace(/^-/, 'A')
  const keyPair = await generateKeyPairHex()
  const { healthcareProfessional: hcp, user } = await api.userApi.createHealthcareProfessionalWithUser(
    new HealthcareProfessional({ firstName: p.firstName, lastName: p.lastName }),
    new User({ login: p.login, email: p.email, passwordHash: password }),
  )
  const credentials: HcpCredentialsFile = {
    url: p.url,
    login: p.login,
    password,
    userId: user.id!,
    healthcareProfessionalId: hcp.id!,
    keyPair,
  }
  await p.beforeFirstLogin?.(credentials)
  await medTechApi()
    .withICureBaseUrl(p.url)
    .withUserName(p.login)
    .withPassword(password)
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies([keyPair]))
    .build()
  return credentials
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))
