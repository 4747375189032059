// Module-level state on purpose: the counter is a process-wide (or page-wide) diagnostic, read by the
// benchmark to prove that once a pair of data owners has an exchange key, handling an entity costs no RSA.
let count = 0

/**
 * Number of RSA operations (key generation, encrypt, decrypt, sign, verify) performed since the last
 * reset. Used by the benchmark and tests to assert "zero RSA operations per entity after first contact".
 */
export function rsaOperationCount(): number {
  return count
}

/** Resets the RSA operation counter to zero (start of a measured section). */
export function resetRsaOperationCount(): void {
  count = 0
}

/**
 * Records one RSA operation. Internal to the package (not re-exported by the index): only the modules
 * that actually call WebCrypto RSA should move the counter.
 */
export function countRsaOperation(): void {
  count++
}
