import { hex2ua, ua2hex, type KeyPairHex } from '@cairn/crypto'

const OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const

/**
 * Converts a hex PKCS#8/SPKI pair to the JWK pair a KeyStorageFacade keeps (MedTech stores JWKs),
 * through WebCrypto import/export (format conversion only).
 */
export async function keyPairToJwk(
  pair: KeyPairHex,
): Promise<{ publicKey: JsonWebKey; privateKey: JsonWebKey }> {
  const subtle = globalThis.crypto.subtle
  const priv = await subtle.importKey('pkcs8', hex2ua(pair.privateKey), OAEP, true, ['decrypt'])
  const pub = await subtle.importKey('spki', hex2ua(pair.publicKey), OAEP, true, ['encrypt'])
  return { privateKey: await subtle.exportKey('jwk', priv), publicKey: await subtle.exportKey('jwk', pub) }
}

/** Converts a stored JWK pair back to hex PKCS#8/SPKI. */
export async function jwkToKeyPair(jwk: {
  publicKey: JsonWebKey
  privateKey: JsonWebKey
}): Promise<KeyPairHex> {
  const subtle = globalThis.crypto.subtle
  const norm = (k: JsonWebKey) => ({ ...k, alg: 'RSA-OAEP-256', key_ops: undefined })
  const priv = await subtle.importKey('jwk', norm(jwk.privateKey), OAEP, true, ['decrypt'])
  const pub = await subtle.importKey('jwk', norm(jwk.publicKey), OAEP, true, ['encrypt'])
  return {
    privateKey: ua2hex(await subtle.exportKey('pkcs8', priv)),
    publicKey: ua2hex(await subtle.exportKey('spki', pub)),
  }
}
