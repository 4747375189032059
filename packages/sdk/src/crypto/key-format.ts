import { hex2ua, ua2hex, type KeyPairHex } from '@cairn/crypto'
import type { JwkKeyPair } from '../storage/storage-facade.ts'

const OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const

/**
 * An RSA JWK as WebCrypto imports it for RSA-OAEP/SHA-256: the `alg` and `key_ops` of the stored key
 * (MedTech wrote `RSA-OAEP`, i.e. SHA-1, and encrypt/decrypt usages) would make the import fail, and
 * they do not change the key itself.
 */
export function oaepJwk(k: JsonWebKey): JsonWebKey {
  return { ...k, alg: 'RSA-OAEP-256', key_ops: undefined }
}

/**
 * Converts a hex PKCS#8/SPKI pair to the JWK pair a KeyStorageFacade keeps (MedTech stores JWKs),
 * through WebCrypto import/export (format conversion only).
 */
export async function keyPairToJwk(pair: KeyPairHex): Promise<JwkKeyPair> {
  const subtle = globalThis.crypto.subtle
  const priv = await subtle.importKey('pkcs8', hex2ua(pair.privateKey), OAEP, true, ['decrypt'])
  const pub = await subtle.importKey('spki', hex2ua(pair.publicKey), OAEP, true, ['encrypt'])
  return { privateKey: await subtle.exportKey('jwk', priv), publicKey: await subtle.exportKey('jwk', pub) }
}

/**
 * Converts a stored JWK pair back to hex PKCS#8/SPKI (format conversion only; importKeyPair then
 * checks that the halves belong together).
 */
export async function jwkToKeyPair(jwk: JwkKeyPair): Promise<KeyPairHex> {
  const subtle = globalThis.crypto.subtle
  const priv = await subtle.importKey('jwk', oaepJwk(jwk.privateKey), OAEP, true, ['decrypt'])
  const pub = await subtle.importKey('jwk', oaepJwk(jwk.publicKey), OAEP, true, ['encrypt'])
  return {
    privateKey: ua2hex(await subtle.exportKey('pkcs8', priv)),
    publicKey: ua2hex(await subtle.exportKey('spki', pub)),
  }
}
