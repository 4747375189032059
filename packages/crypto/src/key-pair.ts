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

/**
 * An own key pair ready to use: the public side plus decryption and signing. It holds no copy of the
 * private key's bytes (its private keys come non-extractable from {@link importKeyPair}), so that a
 * session never keeps the PKCS#8 around: store the pair when it is made or recovered, not from a handle.
 */
export interface KeyPairHandle extends PublicKeyHandle {
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
  return { ...pub, decryptKey, signKey }
}

/**
 * An own key pair from private keys that already are CryptoKeys, such as the non-extractable keys kept
 * in IndexedDB: the public side is imported from `publicKeyHex` ({@link importPublicKey}), the private
 * keys are used as given and never exported. Throws CryptoError BAD_KEY if the public key is unusable,
 * if `decryptKey` is not an RSA-OAEP/SHA-256 private key allowed to decrypt or `signKey` an
 * RSA-PSS/SHA-256 private key allowed to sign, or if either differs from the public key in modulus
 * length or public exponent. That the private keys are exactly those of `publicKeyHex` cannot be
 * checked without exporting them or spending RSA operations: pass keys whose pair was checked when they
 * were made ({@link importKeyPair} does it), as the SDK's key storage does.
 */
export async function keyPairFromCryptoKeys(
  publicKeyHex: string,
  decryptKey: CryptoKey,
  signKey: CryptoKey,
): Promise<KeyPairHandle> {
  const pub = await importPublicKey(publicKeyHex)
  assertPrivateKey(decryptKey, OAEP, 'decrypt', pub.encryptKey)
  assertPrivateKey(signKey, PSS, 'sign', pub.encryptKey)
  return { ...pub, decryptKey, signKey }
}

/** Checks that `key` is a private RSA key of `params` allowed `usage`, of the same size and exponent as `pub`. */
function assertPrivateKey(
  key: CryptoKey,
  params: RsaHashedImportParams,
  usage: KeyUsage,
  pub: CryptoKey,
): void {
  const what = `${params.name} ${usage} key`
  const alg = (key as Partial<CryptoKey> | undefined)?.algorithm as Partial<RsaHashedKeyAlgorithm> | undefined
  if (
    key?.type !== 'private' ||
    alg?.name !== params.name ||
    alg.hash?.name !== (params.hash as string) ||
    !key.usages?.includes(usage)
  ) {
    throw new CryptoError(
      'BAD_KEY',
      `invalid private key: expected a private ${params.name}/${params.hash as string} key with usage ${usage}`,
    )
  }
  assertModulus(key, 'private')
  const pubAlg = pub.algorithm as RsaHashedKeyAlgorithm
  if (
    alg.modulusLength !== pubAlg.modulusLength ||
    !alg.publicExponent ||
    ua2hex(alg.publicExponent) !== ua2hex(pubAlg.publicExponent)
  ) {
    throw new CryptoError('BAD_KEY', `invalid key pair: the ${what} does not match the public key`)
  }
}
