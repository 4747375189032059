/** Where a subscription stands (MedTech `ConnectionImpl.connectionStatus`). */
export type ConnectionStatus = 'NOT_CONNECTED' | 'CONNECTED' | 'CLOSED' | 'ERROR'

/**
 * A realtime subscription (MedTech `Connection`), returned by the `subscribeTo...Events` methods once
 * the subscription is live. The callback setters are chainable, as MedTech's. Cairn additions:
 * `connectionStatus` on the interface itself (MedTech: only on its implementation), `onResync` and
 * `cursor` (docs/compatibility.md, "Realtime subscriptions").
 */
export interface Connection {
  /** Closes the subscription (close code 1000); no reconnection follows and no event is delivered after it. */
  close(): void
  /** Called each time the subscription is live: first connection and every reconnection. */
  onConnected(callback: () => void): Connection
  /** Called each time the socket closes (reconnection may follow) and when the subscription ends. */
  onClosed(callback: () => void): Connection
  /**
   * Called with what went wrong without ending the subscription (an event that does not decrypt or
   * verify, the app's `eventFired` throwing, a lost socket) and with the error that ended it, if any.
   */
  onError(callback: (error?: Error) => void): Connection
  /**
   * Cairn: the server could not replay what happened while the subscription was down (too long ago):
   * events were lost and the app must reload what it shows through a search.
   */
  onResync(callback: () => void): Connection
  /** Where the subscription stands. */
  readonly connectionStatus: ConnectionStatus
  /** Cairn: the cursor of the last event (or position) handled; the replay after a reconnection starts after it. */
  readonly cursor: string | undefined
}
