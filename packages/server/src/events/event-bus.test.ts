import { describe, expect, it } from 'vitest'
import { EventBus } from './event-bus.ts'
import type { WriteEvent } from './write-event.ts'

const event = (id: string): WriteEvent => ({
  kind: 'create',
  entityType: 'patient',
  id,
  actor: { userId: 'u', dataOwnerId: 'd' },
  requestId: 'r',
  delegates: ['d'],
  at: 1,
})

describe('EventBus', () => {
  it('delivers every event to every listener in order, and stops after unsubscribe', () => {
    const bus = new EventBus(() => undefined)
    const a: string[] = []
    const b: string[] = []
    const stopA = bus.subscribe((e) => void a.push(e.id))
    bus.subscribe((e) => void b.push(e.id))
    bus.emit([event('1'), event('2')])
    stopA()
    bus.emit([event('3')])
    expect(a).toEqual(['1', '2'])
    expect(b).toEqual(['1', '2', '3'])
  })

  it('reports a throwing or rejecting listener without affecting the others', async () => {
    const errors: string[] = []
    const bus = new EventBus((e, ev) => errors.push(`${(e as Error).message}@${ev.id}`))
    const seen: string[] = []
    bus.subscribe(() => {
      throw new Error('sync')
    })
    bus.subscribe(() => Promise.reject(new Error('async')))
    bus.subscribe((e) => void seen.push(e.id))
    expect(() => bus.emit([event('x')])).not.toThrow()
    await new Promise((r) => setImmediate(r))
    expect(seen).toEqual(['x'])
    expect(errors.sort()).toEqual(['async@x', 'sync@x'])
  })

  it('refuses listeners and delivers nothing once closed', () => {
    const bus = new EventBus(() => undefined)
    const seen: string[] = []
    bus.subscribe((e) => void seen.push(e.id))
    bus.close()
    bus.emit([event('late')])
    expect(seen).toEqual([])
    expect(bus.size).toBe(0)
    expect(() => bus.subscribe(() => undefined)).toThrow('closed')
  })
})
