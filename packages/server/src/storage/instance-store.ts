/**
 * The server instances running on one database, each with the fingerprint of its token signing
 * secret (auth/secret-agreement.ts). Times are the database's clock, never an instance's: instances
 * whose clocks disagree still agree on who is alive.
 */
export interface InstanceStore {
  /**
   * In one serialised transaction: forgets the instances not seen within `liveMs`; then, when a live
   * instance has another fingerprint, changes nothing and returns `{ conflict }` (how long ago the
   * most recent of them was seen); otherwise records instance `id` with `fingerprint`, seen now.
   * A start registers, and a running instance registers again to say it is alive.
   */
  register(id: string, fingerprint: string, liveMs: number): Promise<InstanceRegistration>
  /** Forgets instance `id` (a clean shutdown: a start with another secret need not wait for it). */
  remove(id: string): Promise<void>
}

/** What `register` did: recorded the instance, or found a live one with another fingerprint. */
export interface InstanceRegistration {
  readonly conflict?: { readonly ageMs: number }
}
