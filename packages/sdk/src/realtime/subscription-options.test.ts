import { describe, expect, it } from 'vitest'
import { SdkError } from '../http/sdk-error.ts'
import { DEFAULT_SUBSCRIPTION_OPTIONS, resolveSubscriptionOptions } from './subscription-options.ts'
import { checkEventTypes } from './subscribe.ts'
import { realtimeUrl } from './realtime-url.ts'

describe('resolveSubscriptionOptions', () => {
  it("applies MedTech's defaults (5 retries, 1000 ms), a 50 s keep-alive and 1000 queued events", () => {
    expect(resolveSubscriptionOptions()).toEqual({
      connectionMaxRetry: 5,
      connectionRetryIntervalMs: 1000,
      pingTimeoutMs: 50_000,
      maxQueuedEvents: 1000,
    })
    expect(resolveSubscriptionOptions({ maxQueuedEvents: 1 }).maxQueuedEvents).toBe(1)
    expect(resolveSubscriptionOptions({ connectionMaxRetry: 0 })).toEqual({
      ...DEFAULT_SUBSCRIPTION_OPTIONS,
      connectionMaxRetry: 0,
    })
  })

  it('refuses values that are not sensible integers', () => {
    for (const bad of [
      { connectionMaxRetry: -1 },
      { connectionMaxRetry: 1.5 },
      { connectionRetryIntervalMs: 2 ** 31 },
      { pingTimeoutMs: 0 },
      { maxQueuedEvents: 0 },
      { maxQueuedEvents: 2.5 },
      { pingTimeoutMs: '100' as unknown as number },
    ]) {
      expect(() => resolveSubscriptionOptions(bad), JSON.stringify(bad)).toThrow(SdkError)
    }
    expect(() => resolveSubscriptionOptions({ pingTimeoutMs: 0 })).toThrow(
      'pingTimeoutMs must be an integer from 1 to 2147483647 (got 0)',
    )
  })
})

describe('checkEventTypes', () => {
  it('keeps each known type once', () => {
    expect(checkEventTypes(['CREATE', 'DELETE', 'CREATE'])).toEqual(['CREATE', 'DELETE'])
  })

  it('refuses an empty list, an unknown type and what is not a list', () => {
    for (const bad of [[], ['CREATE', 'MERGE'], 'CREATE', undefined])
      expect(() => checkEventTypes(bad), JSON.stringify(bad)).toThrow(/eventTypes must list one or more of/)
  })
})

describe('realtimeUrl', () => {
  it('turns http into ws and https into wss, after a reverse proxy prefix', () => {
    expect(realtimeUrl('http://127.0.0.1:16043')).toBe('ws://127.0.0.1:16043/ws/v1/subscribe')
    expect(realtimeUrl('https://health.example.org/cairn/')).toBe(
      'wss://health.example.org/cairn/ws/v1/subscribe',
    )
  })

  it('puts a ticket in the query, encoded', () => {
    expect(realtimeUrl('http://localhost:8080', 'a+b/c=')).toBe(
      'ws://localhost:8080/ws/v1/subscribe?ticket=a%2Bb%2Fc%3D',
    )
  })
})
