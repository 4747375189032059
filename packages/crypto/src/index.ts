// Public API of @cairn/crypto: the Cairn E2EE protocol (docs/protocol.md) as pure functions over node:crypto (Node) or WebCrypto (browsers) for symmetric work, WebCrypto for RSA.
// Runs unchanged in Node >= 20 and browsers. Internal helpers (bytes, web-crypto, rsa-params) stay private.

export {
  ua2hex,
  hex2ua,
  utf8_2ua,
  ua2utf8,
  ua2b64,
  b64_2ua,
  b64_2uas,
  ua2b64Url,
  b64Url2ua,
  hex2string,
  string2hex,
} from './binary.ts'
export { CryptoError, type CryptoErrorCode } from './crypto-error.ts'
export { rsaOperationCount, resetRsaOperationCount } from './rsa-counter.ts'
export { fingerprintOf } from './fingerprint.ts'
export { hmacSha256 } from './hmac.ts'
export { sha256, randomBytes } from './web-crypto.ts'
export { importPublicKey, type PublicKeyHandle } from './public-key.ts'
export {
  generateKeyPairHex,
  importKeyPair,
  keyPairFromCryptoKeys,
  type KeyPairHex,
  type KeyPairHandle,
} from './key-pair.ts'
export { rsaEncrypt, rsaDecrypt, rsaSign, rsaVerify } from './rsa.ts'
export { generateAesKey, importAesKey, aesEncrypt, aesDecrypt, type AesKey } from './aes.ts'
export { selfAad, wrapAad, exchangeKeySignedText, type WrapPurpose } from './aad.ts'
export { encryptSelf, decryptSelf, wrapValue, unwrapValue, unwrapString } from './entity-crypto.ts'
export {
  createExchangeKey,
  openExchangeKey,
  addExchangeKeyRecipient,
  type ExchangeKeyRecord,
  type OpenedExchangeKey,
} from './exchange-key.ts'
export { PROTOCOL_VERSION } from './version.ts'
export { canonicalJson } from './canonical-json.ts'
export {
  sealEntity,
  verifySeal,
  writerProof,
  keyCommitment,
  sealDigest,
  constantTimeEqual,
  type EntitySeal,
  type SealedContent,
} from './seal.ts'
export { keyStatementText, type KeyStatement } from './aad.ts'
export { encryptAttachment, type EncryptedAttachment } from './attachment-encrypt.ts'
export { openAttachment, type OpenedAttachment } from './attachment-open.ts'
export type { AttachmentTarget } from './attachment-key.ts'
export {
  generateRecoveryCode,
  formatRecoveryCode,
  parseRecoveryCode,
  RECOVERY_SECRET_BYTES,
} from './recovery-code.ts'
export {
  deriveFromRecoverySecret,
  encryptRecoveryData,
  decryptRecoveryData,
  type RecoveryData,
  type RecoveryDerivedValues,
} from './recovery-data.ts'
export { recoveryBlobAad, recoveryKdfInfo } from './aad.ts'
