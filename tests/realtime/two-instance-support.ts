import { randomUUID } from 'node:crypto'
import { API_PREFIX, ROUTES, routePath } from '@cairn/protocol'
import type { ServerProcess } from '../support/server-process.ts'

/** One JSON request to `server`'s API (path after the API prefix); throws unless it answers 200. */
export async function rawHttp<T>(
  server: ServerProcess,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${server.url}${API_PREFIX}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return JSON.parse(text) as T
}

/** The access token of a password login on `server`. */
export async function rawLogin(server: ServerProcess, username: string, password: string): Promise<string> {
  const r = await rawHttp<{ token: string }>(server, 'POST', routePath(ROUTES.login), undefined, {
    username,
    password,
  })
  return r.token
}

/**
 * A healthcare professional created through `first` by its admin, logged in on both instances of
 * one database (no key pair: raw tests store ciphertext-shaped documents, never decrypt).
 */
export async function professionalOnBoth(
  first: ServerProcess,
  second: ServerProcess,
  login: string,
): Promise<{ hcpId: string; onFirst: string; onSecond: string }> {
  const password = `${login}-password`
  const admin = await rawLogin(first, 'admin', first.adminPassword)
  const hcpId = randomUUID()
  await rawHttp(first, 'POST', routePath(ROUTES.healthcareProfessional.create), admin, { id: hcpId })
  await rawHttp(first, 'POST', routePath(ROUTES.createUser), admin, {
    id: randomUUID(),
    login,
    password,
    healthcarePartyId: hcpId,
  })
  return {
    hcpId,
    onFirst: await rawLogin(first, login, password),
    onSecond: await rawLogin(second, login, password),
  }
}
