import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0012_auth_processes` (frozen once released, like every entry of migrations.ts): the message
 * gateway's configuration and its validation codes (docs/messaging.md).
 * - `auth_application`: one row per application (MedTech `specId`): its name, email sender and captcha
 *   (the captcha secret is never returned by the API).
 * - `auth_process`: the authentication processes of the applications (channel, what a sign-up creates,
 *   templates, code length, lifetime in seconds, attempts).
 * - `auth_request`: one row per process start. The code is only there as an HMAC under the server's
 *   secret (`code_hash`); `attempts` counts the checks of the code (at most `max_attempts`, copied from
 *   the process at the start so that a process edit does not change codes already sent); `validated`
 *   and `consumed` are the epoch ms of the validation and of the login that used the code. The index on
 *   (recipient, created) serves the login by code (the newest live requests of a recipient).
 * - `user_tokens.kind`: `token` (a long-lived token) or `invitation` (single use, consumed by its login).
 */
export const authProcessesMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('auth_application')
      .addColumn('spec_id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email_from', 'text')
      .addColumn('captcha', 'text', (c) => c.notNull())
      .addColumn('captcha_secret', 'text')
      .addColumn('captcha_site_key', 'text')
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('modified', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('auth_process')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('spec_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('responsible_hcp_id', 'text')
      .addColumn('allow_registration', 'integer', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('code_length', 'integer', (c) => c.notNull())
      // Seconds.
      .addColumn('code_lifetime', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('auth_process_spec_idx').on('auth_process').column('spec_id').execute()

    await db.schema
      .createTable('auth_request')
      .addColumn('request_id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('spec_id', 'text', (c) => c.notNull())
      .addColumn('process_id', 'text', (c) => c.notNull())
      // The normalised email (lower-cased) or phone number the code went to.
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('expires', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('validated', 'bigint')
      .addColumn('consumed', 'bigint')
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('client_address', 'text')
      .execute()
    await db.schema
      .createIndex('auth_request_recipient_idx')
      .on('auth_request')
      .columns(['recipient', 'created'])
      .execute()
    await db.schema.createIndex('auth_request_process_idx').on('auth_request').column('process_id').execute()
    await db.schema.createIndex('auth_request_expires_idx').on('auth_request').column('expires').execute()

    await db.schema
      .alterTable('user_tokens')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('token'))
      .execute()
  },
}
