import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/** HKDF `info` of the outbox key: a key derived for one purpose is never the key of another. */
const KEY_INFO = 'cairn outbox v1'
/** Prefix of a sealed payload, naming its format (a later format gets another prefix). */
const FORMAT = 'v1.'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Seals outbox content (a message may hold a validation code or an invitation token) for storage with
 * AES-256-GCM, under a key derived by HKDF-SHA-256 from the server's JWT secret: a database dump or
 * backup alone does not reveal what was sent. Each payload is bound to its message id (as additional
 * authenticated data), so a sealed payload moved to another row does not open. Format:
 * `v1.` + base64url(iv ‖ ciphertext ‖ tag).
 */
export class SealedPayload {
  readonly #key: Buffer

  /** `secret`: the server's JWT secret (every instance sharing the database has the same one). */
  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), KEY_INFO, 32))
  }

  /** Encrypts `text` for the message `id`; a fresh random IV each time. */
  seal(id: string, text: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(Buffer.from(id, 'utf8'))
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
    return FORMAT + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
  }

  /**
   * Decrypts what seal() made for the message `id`. Throws when it was altered, belongs to another
   * message or was sealed under another secret (the JWT secret changed since): never returns garbage.
   */
  open(id: string, sealed: string): string {
    if (!sealed.startsWith(FORMAT)) throw new Error('sealed payload: unknown format')
    const bytes = Buffer.from(sealed.slice(FORMAT.length), 'base64url')
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed payload: truncated')
    const iv = bytes.subarray(0, IV_BYTES)
    const tag = bytes.subarray(bytes.length - TAG_BYTES)
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(id, 'utf8'))
    decipher.setAuthTag(tag)
    try {
      const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
    } catch {
      throw new Error('sealed payload: authentication failed (altered, or sealed under another secret)')
    }
  }
}
