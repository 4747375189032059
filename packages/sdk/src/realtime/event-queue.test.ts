import { describe, expect, it } from 'vitest'
import { EventQueue } from './event-queue.ts'

/** A queue whose hooks are recorded in order. */
function recorded(maxEvents: number) {
  const log: string[] = []
  const queue = new EventQueue(maxEvents, {
    full: () => log.push('full'),
    drained: () => log.push('drained'),
    failed: (e) => log.push(`failed ${(e as Error).message}`),
  })
  return { queue, log }
}

/** A promise and its resolver, to hold a task until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

/** Lets the queue's promise chain run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('EventQueue', () => {
  it('runs tasks one at a time in order, a slow one holding the next', async () => {
    const { queue } = recorded(10)
    const order: string[] = []
    const hold = gate()
    queue.pushEvent(async () => {
      order.push('a start')
      await hold.promise
      order.push('a end')
    })
    queue.push(() => void order.push('position'))
    queue.pushEvent(() => void order.push('b'))
    await settle()
    expect(order).toEqual(['a start'])
    hold.open()
    await settle()
    expect(order).toEqual(['a start', 'a end', 'position', 'b'])
  })

  it('counts events only, until each is handled', async () => {
    const { queue } = recorded(10)
    const hold = gate()
    queue.pushEvent(() => hold.promise)
    queue.push(() => undefined)
    queue.pushEvent(() => undefined)
    expect(queue.events).toBe(2)
    hold.open()
    await settle()
    expect(queue.events).toBe(0)
  })

  it('says full past the limit, once, and drained at half of it', async () => {
    const { queue, log } = recorded(4)
    const holds = Array.from({ length: 6 }, gate)
    for (const hold of holds) queue.pushEvent(() => hold.promise)
    // 5 waiting is past 4: full once, not again for the sixth.
    expect(log).toEqual(['full'])
    expect(queue.isFull).toBe(true)
    holds[0].open()
    holds[1].open()
    holds[2].open()
    await settle()
    // 3 left: not yet at 2.
    expect(queue.events).toBe(3)
    expect(log).toEqual(['full'])
    holds[3].open()
    await settle()
    expect(queue.events).toBe(2)
    expect(log).toEqual(['full', 'drained'])
    expect(queue.isFull).toBe(false)
    holds[4].open()
    holds[5].open()
    await settle()
    expect(log).toEqual(['full', 'drained'])
  })

  it('reports a failing task and goes on with the next', async () => {
    const { queue, log } = recorded(1)
    const ran: string[] = []
    queue.pushEvent(() => {
      throw new Error('bad record')
    })
    queue.push(() => Promise.reject(new Error('bad position')))
    queue.pushEvent(() => void ran.push('next'))
    await settle()
    // Drained (0 left of a limit of 1) once the second event was handled.
    expect(log).toEqual(['full', 'failed bad record', 'failed bad position', 'drained'])
    expect(ran).toEqual(['next'])
    expect(queue.events).toBe(0)
  })

  it('refuses a limit that is not a positive integer', () => {
    const hooks = { full: () => undefined, drained: () => undefined, failed: () => undefined }
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new EventQueue(bad, hooks)).toThrow(RangeError)
  })
})
