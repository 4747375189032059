import { parseArgs } from 'node:util'
import { ROUTES } from '@cairn/protocol'
import {
  Address,
  HealthcareProfessional,
  MemoryStorage,
  Patient,
  Sanitizer,
  SimpleMedTechCryptoStrategies,
  Telecom,
  medTechApi,
  type EmailMessageFactory,
} from '@cairn/sdk'
import {
  ADMIN_OPTIONS,
  ADMIN_OPTIONS_HELP,
  AdminClient,
  adminLoginOf,
  type AdminLogin,
} from './admin-client.ts'

/** Default validity of the invitation: 48 hours, in seconds (MedTech's createAndInviteUser). */
const DEFAULT_VALIDITY = 172800

const HELP = `Usage: cairn invite-hcp --email EMAIL --first-name F --last-name L --spec-id S [options]

Invites a healthcare professional by email: creates its record and its user (login: the email), then
has the server's message gateway email it a single-use invitation token, which only the server and
the professional ever see. The professional logs in with it from its app
(authenticationApi.authenticateAndAskAccessToItsExistingData), which generates its key pair on its
own device and publishes the public key: nothing of its keys is made here. The application S (see
"cairn auth-app") gives its name and sender to the email; the server's SMTP settings must be set.
"cairn create-hcp" remains for local setups without email.

Options:
  --link URL              where the professional goes to log in (default: the server's URL)
  --app-name NAME         the name in the email (default: the application's name)
  --validity SECONDS      how long the invitation token is valid (default ${DEFAULT_VALIDITY}, 48 hours)
${ADMIN_OPTIONS_HELP}
  --json                  print the ids as JSON`

/** `cairn invite-hcp`: see HELP. */
export async function runInviteHcp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...ADMIN_OPTIONS,
      email: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      'spec-id': { type: 'string' },
      link: { type: 'string' },
      'app-name': { type: 'string' },
      validity: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const missing = ['email', 'first-name', 'last-name', 'spec-id'].filter(
    (k) => !values[k as keyof typeof values],
  )
  if (missing.length > 0)
    throw new Error(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}\n\n${HELP}`)
  const validity = Number(values.validity ?? DEFAULT_VALIDITY)
  if (!/^\d+$/.test(values.validity ?? String(DEFAULT_VALIDITY)) || !Number.isSafeInteger(validity))
    throw new Error(`--validity must be a whole number of seconds (got "${values.validity}")`)
  // Before anything is created: an address the invitation cannot go to must not leave a record behind.
  const email = Sanitizer.validateEmail(values.email!)
  const admin = adminLoginOf(values)
  const result = await inviteHcp({
    admin,
    email,
    firstName: values['first-name']!,
    lastName: values['last-name']!,
    specId: values['spec-id']!,
    link: values.link ?? admin.url,
    appName: values['app-name'],
    validity,
  })
  console.log(
    values.json
      ? JSON.stringify(result, null, 2)
      : `Invited healthcare professional ${result.healthcareProfessionalId} (user ${result.userId}, login ${result.login}): ` +
          `the invitation to ${email} is queued, its token valid ${validity} seconds`,
  )
  return 0
}

/** What `invite-hcp` made. */
export interface InvitedHcp {
  healthcareProfessionalId: string
  userId: string
  login: string
}

/**
 * Creates the professional's record (its email as a work address) and invites it through the SDK's
 * `createAndInviteUser`, which creates its user and has the server email it the invitation. The record
 * is deleted again when the invitation fails, so that the command can simply be run again.
 */
export async function inviteHcp(p: {
  admin: AdminLogin
  email: string
  firstName: string
  lastName: string
  specId: string
  link: string
  appName?: string
  validity: number
}): Promise<InvitedHcp> {
  const appName = p.appName ?? (await applicationName(p.admin, p.specId))
  const api = await medTechApi()
    .withICureBaseUrl(p.admin.url)
    .withUserName(p.admin.login)
    .withPassword(p.admin.password)
    .withMsgGwSpecId(p.specId)
    // A one-shot process as a user that is no data owner: no keys, nothing to remember.
    .withStorage(new MemoryStorage())
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
    .build()
  try {
    const hcp = await api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
      new HealthcareProfessional({
        firstName: p.firstName,
        lastName: p.lastName,
        addresses: [
          new Address({
            addressType: 'work',
            telecoms: [new Telecom({ telecomType: 'email', telecomNumber: p.email })],
          }),
        ],
      }),
    )
    const invitation: EmailMessageFactory = {
      dataOwner: hcp,
      link: p.link,
      patient: new Patient({ firstName: p.firstName, lastName: p.lastName }),
      get: (recipient, password) => ({
        subject: `You have been invited to use ${appName}`,
        html:
          `Dear ${p.firstName}, you have been invited to use ${appName}. ` +
          `Go to the link ${p.link} and use the following credentials : ${recipient.login} & ${password}`,
      }),
    }
    try {
      const user = await api.userApi.createAndInviteUser(hcp, invitation, p.validity)
      return { healthcareProfessionalId: hcp.id!, userId: user.id!, login: user.login! }
    } catch (e) {
      await api.healthcareProfessionalApi.deleteHealthcareProfessional(hcp.id!).catch(() => undefined)
      throw new Error(`could not invite ${p.email}, nothing was kept: ${reasonOf(e)}`, { cause: e })
    }
  } finally {
    await api.logout().catch(() => undefined)
  }
}

/** The name of the application, which must exist (checked before anything is created). */
async function applicationName(admin: AdminLogin, specId: string): Promise<string> {
  const client = await AdminClient.login(admin)
  try {
    const app = (await client.call(ROUTES.messagingAdmin.listApplications, {})).find(
      (a) => a.specId === specId,
    )
    if (!app) throw new Error(`there is no application "${specId}": create it with "cairn auth-app put"`)
    return app.name
  } finally {
    await client.logout()
  }
}

/** An error's message, with the server's message of its cause (the SDK's "Something went wrong ..."). */
function reasonOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const cause = e.cause as { serverMessage?: string; message?: string } | undefined
  const detail = cause?.serverMessage ?? cause?.message?.split('\n')[0]
  return detail ? `${e.message.split('\n')[0]} (${detail})` : e.message.split('\n')[0]
}
