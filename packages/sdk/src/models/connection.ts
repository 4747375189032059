/**
 * A realtime subscription (MedTech `Connection`): returned by the `subscribeTo...Events` methods.
 * Declared now so that code written for the MedTech SDK type-checks; the subscriptions themselves are
 * not available yet (docs/compatibility.md).
 */
export interface Connection {
  /** Closes the subscription; no reconnection follows. */
  close(): void
  onConnected(callback: () => void): Connection
  onClosed(callback: () => void): Connection
  onError(callback: (error?: Error) => void): Connection
}
