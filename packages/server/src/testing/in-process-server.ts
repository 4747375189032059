import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InjectOptions } from 'fastify'
import { randomUUID } from 'node:crypto'
import { API_PREFIX, ROUTES, routePath, type EncryptedEntityDto } from '@cairn/protocol'
import { loadConfig, type ServerConfig } from '../config.ts'
import { CairnServer } from '../server.ts'

/** An answer of `inject`, with its JSON body parsed. */
export interface Injected<T = unknown> {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: T
  text: string
}

/**
 * A Cairn server answering in process through `inject` (no socket), on a fresh embedded SQLite
 * database: for route tests that need no real process. `close()` stops it and deletes its data.
 * `config` overrides the test configuration (e.g. to enable metrics).
 */
export async function startInProcessServer(config: Partial<ServerConfig> = {}): Promise<{
  server: CairnServer
  adminPassword: string
  request<T = unknown>(options: InjectOptions & { token?: string }): Promise<Injected<T>>
  login(username: string, password: string): Promise<string>
  /** Creates (as the admin) a healthcare professional with a user, and logs it in. */
  createHcp(login: string): Promise<{ hcpId: string; userId: string; token: string }>
  close(): Promise<void>
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-inject-'))
  const adminPassword = 'admin-password-for-tests'
  const server = new CairnServer(
    loadConfig({}, { dataDir, adminPassword, logLevel: 'silent', port: 0, ...config }),
  )
  await server.init()
  // No socket here: listen() would create the admin once bound, so it is created now.
  await server.createAdminIfEmpty()
  const request = async <T>(options: InjectOptions & { token?: string }): Promise<Injected<T>> => {
    const { token, ...rest } = options
    const res = await server.inject({
      ...rest,
      headers: { ...(rest.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    })
    let body: unknown
    try {
      body = res.body ? JSON.parse(res.body) : undefined
    } catch {
      body = undefined
    }
    return { status: res.statusCode, headers: res.headers, body: body as T, text: res.body }
  }
  const login = async (username: string, password: string): Promise<string> => {
    const res = await request<{ token: string }>({
      method: 'POST',
      url: API_PREFIX + routePath(ROUTES.login),
      payload: { username, password },
    })
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.text}`)
    return res.body.token
  }
  let admin: string | undefined
  return {
    server,
    adminPassword,
    request,
    login,
    async createHcp(userLogin) {
      admin ??= await login('admin', adminPassword)
      const hcpId = randomUUID()
      const hcp = await request({
        method: 'POST',
        url: API_PREFIX + routePath(ROUTES.healthcareProfessional.create),
        token: admin,
        payload: { id: hcpId },
      })
      if (hcp.status !== 200) throw new Error(`creating HCP failed: ${hcp.text}`)
      const user = await request<{ id: string }>({
        method: 'POST',
        url: API_PREFIX + routePath(ROUTES.createUser),
        token: admin,
        payload: { id: randomUUID(), login: userLogin, password: HCP_PASSWORD, healthcarePartyId: hcpId },
      })
      if (user.status !== 200) throw new Error(`creating the user failed: ${user.text}`)
      return { hcpId, userId: user.body.id, token: await login(userLogin, HCP_PASSWORD) }
    },
    async close() {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Password of the users `createHcp` makes. */
export const HCP_PASSWORD = 'secret-password'

/**
 * A minimal encrypted-entity document whose delegation map gives `owners` access, written by `author`:
 * the server never decrypts, so opaque key strings are enough to exercise its rules.
 */
export function entityDoc(
  id: string,
  author: string,
  owners: readonly string[],
  sfk: string[] = [],
): EncryptedEntityDto {
  const map = Object.fromEntries(owners.map((d) => [d, [{ owner: author, delegatedTo: d, key: `k-${d}` }]]))
  return {
    id,
    systemMetaData: { secretForeignKeys: sfk, delegations: map, encryptionKeys: map, cryptedForeignKeys: {} },
  }
}
