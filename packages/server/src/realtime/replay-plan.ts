/** What a subscription asking to replay from a cursor gets. */
export type ReplayPlan = { readonly kind: 'replay' } | { readonly kind: 'resync'; readonly reason: string }

/** The facts the decision needs, read when the subscription starts. */
export interface ReplayFacts {
  /** The client's cursor: it has handled every event up to this seq. */
  readonly since: number
  /** The newest seq this instance has dispatched: the subscription goes live after it. */
  readonly head: number
  /** The lowest seq still kept, undefined when the log is empty. */
  readonly oldest: number | undefined
  /** How many rows lie in (since, head]. */
  readonly count: number
  /** Most rows one replay sends (CAIRN_REALTIME_REPLAY_MAX). */
  readonly max: number
}

/**
 * Whether the events after `since` can be replayed, or the client must reload through a search
 * (`resync`): a cursor in the future (another database, or a log that was reset), events already
 * pruned (the row right after the cursor is gone: `since + 1 < oldest`, and there was something
 * after it), or more rows than one replay sends. Pure, for unit tests.
 */
export function planReplay(facts: ReplayFacts): ReplayPlan {
  const { since, head, oldest, count, max } = facts
  if (since > head) return { kind: 'resync', reason: 'unknown cursor: it is ahead of the event log' }
  if (since === head) return { kind: 'replay' }
  if (oldest === undefined || since + 1 < oldest)
    return { kind: 'resync', reason: 'the events after this cursor are no longer kept (replay window)' }
  if (count > max) return { kind: 'resync', reason: `more than ${max} events happened after this cursor` }
  return { kind: 'replay' }
}
