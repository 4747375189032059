import { hex2ua, ua2hex } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { assertModulus, importPublicKey, type PublicKeyHandle } from './public-key.ts'
import { countRsaOperation } from './rsa-counter.ts'
import { MODULUS_BITS, OAEP, PSS, PUBLIC_EXPONENT } from './rsa-params.ts'
import { subtle } from './web-crypto.ts'

/** A data-owner key pair as stored and exchanged (MedTech format). */
export interface KeyPairHex {
  /** Hex PKCS#8 private key. */
  privateKey: string
  /** Hex SPKI public key. */
  publicKey: string
}

/** An own key pair ready to use: the public side plus decryption and signing. */
export interface KeyPairHandle extends PublicKeyHandle {
  /** Lower-case hex PKCS#8, kept so the pair can be stored or exported again. */
  privateKeyHex: string
  /** RSA-OAEP/SHA-256, usage `decrypt`. */
  decryptKey: CryptoKey
  /** RSA-PSS/SHA-256, usage `sign`. */
  signKey: CryptoKey
}

/**
 * Generates a new data-owner key pair (RSA 2048, e = 65537) and exports it as hex PKCS#8 / SPKI, the
 * form key storage and `SimpleMedTechCryptoStrategies` use. Counts as one RSA operation. Slow
 * (tens to hundreds of milliseconds): call it once per data owner, not per entity.
 */
export async function generateKeyPairHex(): Promise<KeyPairHex> {
  countRsaOperation()
  // Generated as RSA-OAEP but the exported bytes carry the algorithm-neutral rsaEncryption OID, so the
  // same bytes import as RSA-PSS too.
  const pair = await subtle().generateKey(
    { ...OAEP, modulusLength: MODULUS_BITS, publicExponent: PUBLIC_EXPONENT },
    true,
    ['encrypt', 'decrypt'],
  )
  const [pkcs8, spki] = await Promise.all([
    subtle().exportKey('pkcs8', pair.privateKey),
    subtle().exportKey('spki', pair.publicKey),
  ])
  return { privateKey: ua2hex(pkcs8), publicKey: ua2hex(spki) }
}

/**
 * Imports an own key pair for OAEP decryption and PSS signing (and the public half for encryption and
 * verification). Throws CryptoError BAD_KEY if either half is unusable or if they do not belong
 * together: a mismatched pair would sign exchange keys nobody can verify and publish a public key
 * whose ciphertexts the owner cannot read. The match is checked by comparing the modulus and exponent
 * of the private key (via a temporary extractable JWK export) with the public key's, which costs no RSA
 * operation.
 */
export async function importKeyPair(pair: KeyPairHex): Promise<KeyPairHandle> {
  const pub = await importPublicKey(pair.publicKey)
  let pkcs8: Uint8Array<ArrayBuffer>
  try {
    pkcs8 = hex2ua(pair.privateKey)
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'invalid private key: not hex', { cause: e })
  }
  let decryptKey: CryptoKey
  let signKey: CryptoKey
  let privateJwk: JsonWebKey
  let publicJwk: JsonWebKey
  try {
    // The handle's private keys are non-extractable; only the throwaway copy used for the check is.
    const [d, s, probe] = await Promise.all([
      subtle().importKey('pkcs8', pkcs8, OAEP, false, ['decrypt']),
      subtle().importKey('pkcs8', pkcs8, PSS, false, ['sign']),
      subtle().importKey('pkcs8', pkcs8, PSS, true, ['sign']),
    ])
    decryptKey = d
    signKey = s
    ;[privateJwk, publicJwk] = await Promise.all([
      subtle().exportKey('jwk', probe),
      subtle().exportKey('jwk', pub.verifyKey),
    ])
  } catch (e) {
    throw new CryptoError('BAD_KEY', 'invalid private key: not an RSA PKCS#8 key', { cause: e })
  }
  assertModulus(decryptKey, 'private')
  if (!privateJwk.n || privateJwk.n !== publicJwk.n || privateJwk.e !== publicJwk.e) {
    throw new CryptoError('BAD_KEY', 'invalid key pair: the private key does not match the public key')
  }
  return { ...pub, privateKeyHex: ua2hex(pkcs8), decryptKey, signKey }
}
