import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import {
  MAX_CODE_LENGTH,
  MIN_CODE_LENGTH,
  ROUTES,
  type AuthProcessDto,
  type AuthProcessKind,
  type AuthProcessWriteDto,
} from '@cairn/protocol'
import { ADMIN_OPTIONS, ADMIN_OPTIONS_HELP, AdminClient, adminLoginOf } from './admin-client.ts'

const HELP = `Usage: cairn auth-process create|list|delete [options]

Authentication processes of the message gateway (docs/messaging.md): how an application (its spec
id, see "cairn auth-app") sends sign-up and login codes by email or SMS, for patients or healthcare
professionals. The id of a process is what apps give to withAuthProcessByEmailId /
withAuthProcessBySmsId. Admins only.

  cairn auth-process create --spec-id S --channel email|sms --kind patient|hcp [options]
  cairn auth-process list [--spec-id S]
  cairn auth-process delete ID

Options of create:
  --id ID                    the process id (letters, digits, - and _; default: a generated UUID)
  --responsible-hcp-id ID    the healthcare professional responsible for the data owners it registers
  --login-only               only existing users log in (no registration); unknown recipients get
                             the same answer and no message
  --subject TEXT             email subject
  --template TEXT            message text; {{code}} is required, {{appName}}, {{firstName}},
                             {{lastName}} and {{minutes}} may be used
  --template-file FILE       the message text, read from FILE
  --code-length N            digits of the code (${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}, default 6)
  --code-lifetime SECONDS    how long a code stays valid (default 600)
  --max-attempts N           wrong codes before a request is dead (default 5)

Common options:
${ADMIN_OPTIONS_HELP}
  --json                     print the JSON answer`

const KINDS: Record<string, AuthProcessKind> = {
  patient: 'patient',
  hcp: 'healthcareProfessional',
  healthcareProfessional: 'healthcareProfessional',
}

/** `cairn auth-process <command>`: see HELP. */
export async function runAuthProcess(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(HELP)
    return command === undefined ? 1 : 0
  }
  if (!['create', 'list', 'delete'].includes(command)) {
    console.error(`Unknown auth-process command "${command}"\n\n${HELP}`)
    return 1
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: command === 'delete',
    options: {
      ...ADMIN_OPTIONS,
      'spec-id': { type: 'string' },
      channel: { type: 'string' },
      kind: { type: 'string' },
      id: { type: 'string' },
      'responsible-hcp-id': { type: 'string' },
      'login-only': { type: 'boolean' },
      subject: { type: 'string' },
      template: { type: 'string' },
      'template-file': { type: 'string' },
      'code-length': { type: 'string' },
      'code-lifetime': { type: 'string' },
      'max-attempts': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const body = command === 'create' ? await processToWrite(values) : undefined
  if (command === 'delete' && positionals.length !== 1)
    throw new Error(`give the id of the process to delete\n\n${HELP}`)
  const client = await AdminClient.login(adminLoginOf(values))
  try {
    if (body) {
      const created = await client.call(ROUTES.messagingAdmin.createProcess, { body })
      console.log(
        values.json
          ? JSON.stringify(created, null, 2)
          : `Created authentication process ${created.id} (${describe(created)})`,
      )
    } else if (command === 'list') {
      const list = await client.call(ROUTES.messagingAdmin.listProcesses, {
        query: { specId: values['spec-id'] },
      })
      if (values.json) console.log(JSON.stringify(list, null, 2))
      else if (list.length === 0) console.log('No authentication process')
      else for (const p of list) console.log(`${p.id}  ${describe(p)}`)
    } else {
      const deleted = await client.call(ROUTES.messagingAdmin.deleteProcess, {
        params: { id: positionals[0] },
      })
      console.log(
        values.json
          ? JSON.stringify(deleted, null, 2)
          : `Deleted authentication process ${deleted.id} (${describe(deleted)})`,
      )
    }
  } finally {
    await client.logout()
  }
  return 0
}

/** One line about a process: application, channel, kind and code settings. */
function describe(p: AuthProcessDto): string {
  return [
    `application ${p.specId}`,
    p.channel,
    p.kind === 'healthcareProfessional' ? 'healthcare professionals' : 'patients',
    p.allowRegistration ? 'sign-up and login' : 'login only',
    ...(p.responsibleHcpId ? [`responsible ${p.responsibleHcpId}`] : []),
    `${p.codeLength} digits, valid ${p.codeLifetimeSeconds} s, ${p.maxAttempts} attempts`,
  ].join(', ')
}

/** The process `create` writes, from its flags (the server checks the ranges). */
async function processToWrite(values: {
  'spec-id'?: string
  channel?: string
  kind?: string
  id?: string
  'responsible-hcp-id'?: string
  'login-only'?: boolean
  subject?: string
  template?: string
  'template-file'?: string
  'code-length'?: string
  'code-lifetime'?: string
  'max-attempts'?: string
}): Promise<AuthProcessWriteDto> {
  const missing = ['spec-id', 'channel', 'kind'].filter((k) => !values[k as keyof typeof values])
  if (missing.length > 0)
    throw new Error(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}\n\n${HELP}`)
  if (values.channel !== 'email' && values.channel !== 'sms')
    throw new Error(`--channel must be email or sms (got "${values.channel}")`)
  const kind = KINDS[values.kind!]
  if (!kind) throw new Error(`--kind must be patient or hcp (got "${values.kind}")`)
  if (values.template !== undefined && values['template-file'] !== undefined)
    throw new Error('give --template or --template-file, not both')
  const template =
    values['template-file'] !== undefined
      ? await readFile(values['template-file'], 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new Error(`cannot read ${values['template-file']}: ${e.code ?? e.message}`)
        })
      : values.template
  return {
    specId: values['spec-id']!,
    channel: values.channel,
    kind,
    ...(values.id !== undefined ? { id: values.id } : {}),
    ...(values['responsible-hcp-id'] !== undefined ? { responsibleHcpId: values['responsible-hcp-id'] } : {}),
    ...(values['login-only'] ? { allowRegistration: false } : {}),
    ...(values.subject !== undefined ? { subject: values.subject } : {}),
    ...(template !== undefined ? { template } : {}),
    ...integer('code-length', values['code-length'], 'codeLength'),
    ...integer('code-lifetime', values['code-lifetime'], 'codeLifetimeSeconds'),
    ...integer('max-attempts', values['max-attempts'], 'maxAttempts'),
  }
}

/** `{[field]: n}` for a flag holding a whole number, `{}` when absent; throws for anything else. */
function integer<K extends string>(
  flag: string,
  value: string | undefined,
  field: K,
): Partial<Record<K, number>> {
  if (value === undefined) return {}
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new Error(`--${flag} must be a whole number (got "${value}")`)
  return { [field]: n } as Partial<Record<K, number>>
}
