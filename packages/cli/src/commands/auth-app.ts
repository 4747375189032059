import { parseArgs } from 'node:util'
import {
  ROUTES,
  type AuthApplicationDto,
  type AuthApplicationWriteDto,
  type CaptchaType,
} from '@cairn/protocol'
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, AdminClient, adminLoginOf } from './admin-client.ts'

const CAPTCHAS: readonly CaptchaType[] = ['recaptcha', 'friendly-captcha', 'none']

const HELP = `Usage: cairn auth-app put|list [options]

Applications of the message gateway (docs/messaging.md): the spec id apps give to withMsgGwSpecId,
its name (shown in messages), its sender address and the captcha its sign-ups must solve. Their
authentication processes are made with "cairn auth-process". Admins only.

  cairn auth-app put --spec-id S --name N --captcha recaptcha|friendly-captcha|none [options]
  cairn auth-app list

Options of put (it creates the application, or replaces it whole):
  --email-from ADDRESS       sender of its emails (default: the server's CAIRN_SMTP_FROM)
  --captcha-secret SECRET    secret of the captcha provider (default $CAIRN_CAPTCHA_SECRET); required
                             unless --captcha none, which is meant for development only
  --captcha-site-key KEY     Friendly Captcha site key

Common options:
${ADMIN_OPTIONS_HELP}
  --json                     print the JSON answer`

/** `cairn auth-app <command>`: see HELP. */
export async function runAuthApp(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(HELP)
    return command === undefined ? 1 : 0
  }
  if (command !== 'put' && command !== 'list') {
    console.error(`Unknown auth-app command "${command}"\n\n${HELP}`)
    return 1
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      ...ADMIN_OPTIONS,
      'spec-id': { type: 'string' },
      name: { type: 'string' },
      captcha: { type: 'string' },
      'captcha-secret': { type: 'string' },
      'captcha-site-key': { type: 'string' },
      'email-from': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const app = command === 'put' ? applicationToWrite(values) : undefined
  const client = await AdminClient.login(adminLoginOf(values))
  try {
    if (app) {
      const saved = await client.call(ROUTES.messagingAdmin.putApplication, {
        params: { specId: values['spec-id']! },
        body: app,
      })
      console.log(
        values.json
          ? JSON.stringify(saved, null, 2)
          : `Saved application ${saved.specId} (${describe(saved)})`,
      )
    } else {
      const list = await client.call(ROUTES.messagingAdmin.listApplications, {})
      if (values.json) console.log(JSON.stringify(list, null, 2))
      else if (list.length === 0) console.log('No application')
      else for (const a of list) console.log(`${a.specId}  ${describe(a)}`)
    }
  } finally {
    await client.logout()
  }
  return 0
}

/** One line about an application: its name, sender and captcha (never the secret). */
function describe(a: AuthApplicationDto): string {
  return [
    `"${a.name}"`,
    ...(a.emailFrom ? [`from ${a.emailFrom}`] : []),
    a.captcha === 'none' ? 'no captcha' : `captcha ${a.captcha}${a.hasCaptchaSecret ? '' : ' (no secret!)'}`,
  ].join(', ')
}

/** The application `put` writes, from its flags. */
function applicationToWrite(values: {
  'spec-id'?: string
  name?: string
  captcha?: string
  'captcha-secret'?: string
  'captcha-site-key'?: string
  'email-from'?: string
}): AuthApplicationWriteDto {
  const missing = ['spec-id', 'name', 'captcha'].filter((k) => !values[k as keyof typeof values])
  if (missing.length > 0)
    throw new Error(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}\n\n${HELP}`)
  const captcha = values.captcha as CaptchaType
  if (!CAPTCHAS.includes(captcha))
    throw new Error(`--captcha must be one of ${CAPTCHAS.join(', ')} (got "${values.captcha}")`)
  const secret =
    values['captcha-secret'] ?? (captcha === 'none' ? undefined : process.env.CAIRN_CAPTCHA_SECRET)
  if (captcha !== 'none' && !secret)
    throw new Error(`--captcha ${captcha} needs --captcha-secret (or CAIRN_CAPTCHA_SECRET)`)
  return {
    name: values.name!,
    captcha,
    ...(values['email-from'] !== undefined ? { emailFrom: values['email-from'] } : {}),
    ...(secret !== undefined ? { captchaSecret: secret } : {}),
    ...(values['captcha-site-key'] !== undefined ? { captchaSiteKey: values['captcha-site-key'] } : {}),
  }
}
