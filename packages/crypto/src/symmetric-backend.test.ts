import { afterEach, describe, expect, it, vi } from 'vitest'
import { nodeBackend, setSymmetricBackendForTests, symmetricBackend, webCryptoBackend } from './backend.ts'
import { hex2ua, ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { hmacSha256 } from './hmac.ts'
import type { SymmetricBackend } from './symmetric-backend.ts'
import { randomBytes, sha256 } from './web-crypto.ts'

// Shared known-answer vectors, run against BOTH backends (node:crypto and WebCrypto): the two must give
// byte-identical results, and both must match the published values.

async function expectCode(p: Promise<unknown>, code: CryptoError['code']): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
}

const node = nodeBackend()
const web = webCryptoBackend()
if (!node) throw new Error('the node:crypto backend must be available under Node (process.getBuiltinModule)')
const BACKENDS: [string, SymmetricBackend][] = [
  ['node', node],
  ['web', web],
]

/** AES-256-GCM vectors of the GCM specification (McGrew & Viega), test cases 13, 14 and 16. */
const GCM_VECTORS = [
  {
    name: 'GCM spec test case 13 (empty plaintext, no AAD)',
    key: '0000000000000000000000000000000000000000000000000000000000000000',
    iv: '000000000000000000000000',
    pt: '',
    aad: '',
    ct: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'GCM spec test case 14 (one zero block, no AAD)',
    key: '0000000000000000000000000000000000000000000000000000000000000000',
    iv: '000000000000000000000000',
    pt: '00000000000000000000000000000000',
    aad: '',
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    name: 'GCM spec test case 16 (60-byte plaintext, 20-byte AAD)',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    pt:
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
      '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ct:
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
]

/** HMAC-SHA256 vectors of RFC 4231 (test case 5, truncated to 128 bits there, is compared on 16 bytes). */
const AA131 = 'aa'.repeat(131)
const HMAC_VECTORS = [
  {
    tc: 1,
    key: '0b'.repeat(20),
    data: utf8_2ua('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    tc: 2,
    key: ua2hex(utf8_2ua('Jefe')),
    data: utf8_2ua('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    tc: 3,
    key: 'aa'.repeat(20),
    data: hex2ua('dd'.repeat(50)),
    mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  },
  {
    tc: 4,
    key: '0102030405060708090a0b0c0d0e0f10111213141516171819',
    data: hex2ua('cd'.repeat(50)),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    tc: 5,
    key: '0c'.repeat(20),
    data: utf8_2ua('Test With Truncation'),
    mac: 'a3b6167473100ee06e0c796c2955552b',
  },
  {
    tc: 6,
    key: AA131,
    data: utf8_2ua('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    tc: 7,
    key: AA131,
    data: utf8_2ua(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
]

describe.each(BACKENDS)('%s backend: known answers', (_name, backend) => {
  it.each(GCM_VECTORS)('AES-256-GCM encrypt: $name', async (v) => {
    const out = await backend.aesGcmEncrypt(hex2ua(v.key), hex2ua(v.iv), hex2ua(v.pt), hex2ua(v.aad))
    expect(ua2hex(out)).toBe(v.ct + v.tag)
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype) // never a Buffer
  })

  it.each(GCM_VECTORS)('AES-256-GCM decrypt: $name', async (v) => {
    const out = await backend.aesGcmDecrypt(hex2ua(v.key), hex2ua(v.iv), hex2ua(v.ct + v.tag), hex2ua(v.aad))
    expect(ua2hex(out)).toBe(v.pt)
  })

  it.each(HMAC_VECTORS)('HMAC-SHA256: RFC 4231 test case $tc', async (v) => {
    const mac = await backend.hmacSha256(hex2ua(v.key), v.data)
    expect(mac.length).toBe(32)
    expect(ua2hex(mac).slice(0, v.mac.length)).toBe(v.mac)
  })

  it('SHA-256 of "abc" and of the empty string (FIPS 180-2)', async () => {
    expect(ua2hex(await backend.sha256(utf8_2ua('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(ua2hex(await backend.sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })
})

describe.each(BACKENDS)('%s backend: failures', (_name, backend) => {
  const v = GCM_VECTORS[2]
  const key = hex2ua(v.key)
  const iv = hex2ua(v.iv)
  const aad = hex2ua(v.aad)
  const sealed = hex2ua(v.ct + v.tag)

  it('a flipped tag, ciphertext, IV or AAD byte, or a wrong key -> CANNOT_DECRYPT', async () => {
    const flip = (b: Uint8Array, i: number) => {
      const c = new Uint8Array(b)
      c[i] ^= 0x80
      return c
    }
    await expectCode(backend.aesGcmDecrypt(key, iv, flip(sealed, sealed.length - 1), aad), 'CANNOT_DECRYPT')
    await expectCode(backend.aesGcmDecrypt(key, iv, flip(sealed, 0), aad), 'CANNOT_DECRYPT')
    await expectCode(backend.aesGcmDecrypt(key, flip(iv, 5), sealed, aad), 'CANNOT_DECRYPT')
    await expectCode(backend.aesGcmDecrypt(key, iv, sealed, flip(aad, 0)), 'CANNOT_DECRYPT')
    await expectCode(backend.aesGcmDecrypt(key, iv, sealed, new Uint8Array(0)), 'CANNOT_DECRYPT')
    await expectCode(backend.aesGcmDecrypt(flip(key, 31), iv, sealed, aad), 'CANNOT_DECRYPT')
  })

  it('a truncated tag -> CANNOT_DECRYPT (the tag length is pinned to 16 bytes)', async () => {
    await expectCode(
      backend.aesGcmDecrypt(key, iv, sealed.subarray(0, sealed.length - 4), aad),
      'CANNOT_DECRYPT',
    )
    await expectCode(backend.aesGcmDecrypt(key, iv, sealed.subarray(0, 15), aad), 'CANNOT_DECRYPT')
    await expectCode(backend.aesGcmDecrypt(key, iv, new Uint8Array(0), aad), 'CANNOT_DECRYPT')
  })

  it('refuses keys other than 32 bytes, IVs other than 12 bytes and empty HMAC keys, by rejecting', async () => {
    await expectCode(backend.aesGcmEncrypt(new Uint8Array(16), iv, new Uint8Array(1), aad), 'BAD_KEY')
    await expectCode(backend.aesGcmDecrypt(new Uint8Array(24), iv, sealed, aad), 'BAD_KEY')
    await expectCode(backend.aesGcmEncrypt(key, new Uint8Array(16), new Uint8Array(1), aad), 'BAD_INPUT')
    await expectCode(backend.aesGcmEncrypt(key, iv, 'x' as unknown as Uint8Array, aad), 'BAD_INPUT')
    await expectCode(backend.hmacSha256(new Uint8Array(0), new Uint8Array(1)), 'BAD_KEY')
    await expectCode(backend.sha256('abc' as unknown as Uint8Array), 'BAD_INPUT')
  })

  it('randomBytes: requested length, distinct draws, any size', () => {
    expect(backend.randomBytes(0).length).toBe(0)
    const a = backend.randomBytes(32)
    const b = backend.randomBytes(32)
    expect(a.length).toBe(32)
    expect(ua2hex(a)).not.toBe(ua2hex(b))
    // Above the web pool size and above getRandomValues' 65536-byte limit.
    const big = backend.randomBytes(100_000)
    expect(big.length).toBe(100_000)
    expect(big.subarray(99_000).some((x) => x !== 0)).toBe(true)
    expect(() => backend.randomBytes(-1)).toThrow(CryptoError)
    expect(() => backend.randomBytes(1.5)).toThrow(CryptoError)
  })
})

describe('node and web backends agree', () => {
  it('each decrypts what the other encrypted, and both produce the same bytes', async () => {
    for (const size of [0, 1, 15, 16, 17, 200, 4096, 65_537]) {
      const key = node.randomBytes(32)
      const iv = node.randomBytes(12)
      const aad = utf8_2ua(`cairn:v2:test:${size}`)
      const pt = node.randomBytes(size)
      const byNode = await node.aesGcmEncrypt(key, iv, pt, aad)
      const byWeb = await web.aesGcmEncrypt(key, iv, pt, aad)
      expect(ua2hex(byWeb)).toBe(ua2hex(byNode))
      expect(ua2hex(await web.aesGcmDecrypt(key, iv, byNode, aad))).toBe(ua2hex(pt))
      expect(ua2hex(await node.aesGcmDecrypt(key, iv, byWeb, aad))).toBe(ua2hex(pt))
      expect(ua2hex(await web.hmacSha256(key, pt))).toBe(ua2hex(await node.hmacSha256(key, pt)))
      expect(ua2hex(await web.sha256(pt))).toBe(ua2hex(await node.sha256(pt)))
    }
  })

  it('the web backend re-imports a key whose bytes were changed in place, like the node backend', async () => {
    const key = node.randomBytes(32)
    const iv = node.randomBytes(12)
    const aad = utf8_2ua('ctx')
    const pt = utf8_2ua('hello')
    await web.aesGcmEncrypt(key, iv, pt, aad) // caches a CryptoKey for this array
    await web.hmacSha256(key, pt)
    key[0] ^= 0xff
    expect(ua2hex(await web.aesGcmEncrypt(key, iv, pt, aad))).toBe(
      ua2hex(await node.aesGcmEncrypt(key, iv, pt, aad)),
    )
    expect(ua2hex(await web.hmacSha256(key, pt))).toBe(ua2hex(await node.hmacSha256(key, pt)))
  })
})

describe('backend selection', () => {
  afterEach(() => {
    setSymmetricBackendForTests(null)
    vi.unstubAllEnvs()
  })

  it('is node:crypto under Node (unless the suite runs with CAIRN_CRYPTO_BACKEND=web), and can be forced', () => {
    const normal = process.env.CAIRN_CRYPTO_BACKEND === 'web' ? 'web' : 'node'
    expect(symmetricBackend().name).toBe(normal)
    setSymmetricBackendForTests('web')
    expect(symmetricBackend().name).toBe('web')
    setSymmetricBackendForTests('node')
    expect(symmetricBackend().name).toBe('node')
    setSymmetricBackendForTests(null)
    expect(symmetricBackend().name).toBe(normal)
  })

  it('public sha256, hmacSha256 and randomBytes go through the chosen backend with the same results', async () => {
    const results: string[] = []
    for (const name of ['node', 'web'] as const) {
      setSymmetricBackendForTests(name)
      const spy = vi.spyOn(symmetricBackend(), 'hmacSha256')
      const digest = ua2hex(await sha256(utf8_2ua('abc')))
      const mac = ua2hex(await hmacSha256(hex2ua('0b'.repeat(20)), utf8_2ua('Hi There')))
      expect(spy).toHaveBeenCalledTimes(1)
      spy.mockRestore()
      expect(randomBytes(12).length).toBe(12)
      results.push(digest + mac)
    }
    expect(results[1]).toBe(results[0])
    expect(results[0]).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' +
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    )
    await expectCode(hmacSha256(new Uint8Array(0), new Uint8Array(1)), 'BAD_KEY')
  })

  it('follows CAIRN_CRYPTO_BACKEND, read on first use', async () => {
    for (const [value, expected] of [
      ['web', 'web'],
      ['node', 'node'],
      ['auto', 'node'],
      ['', 'node'],
    ] as const) {
      vi.stubEnv('CAIRN_CRYPTO_BACKEND', value)
      vi.resetModules()
      const fresh = await import('./backend.ts')
      expect(fresh.symmetricBackend().name).toBe(expected)
    }
    vi.stubEnv('CAIRN_CRYPTO_BACKEND', 'webcrypto')
    vi.resetModules()
    const fresh = await import('./backend.ts')
    expect(() => fresh.symmetricBackend()).toThrow(/CAIRN_CRYPTO_BACKEND=webcrypto/)
  })

  it('falls back to WebCrypto where process.getBuiltinModule is missing (browsers, older runtimes)', async () => {
    const proc = process as unknown as { getBuiltinModule?: unknown }
    const saved = proc.getBuiltinModule
    proc.getBuiltinModule = undefined
    try {
      vi.resetModules()
      const fresh = await import('./backend.ts')
      expect(fresh.symmetricBackend().name).toBe('web')
      expect(fresh.nodeBackend()).toBeUndefined()
      // A fresh module instance has its own CryptoError class: match the message.
      expect(() => fresh.setSymmetricBackendForTests('node')).toThrow(/node backend is unavailable/)
    } finally {
      proc.getBuiltinModule = saved
    }
  })
})
