import { connect, createServer, type Server, type Socket } from 'node:net'

/** What the proxy does with traffic, as a network between the server and its database would. */
export type ProxyMode =
  /** Bytes flow both ways. */
  | 'forward'
  /** Bytes are held, in both directions, and new connections open but get no answer: a silent network. */
  | 'silent'
  /** New connections are reset at once: the database host refuses connections. */
  | 'refuse'

/** One proxied connection: the client side, the database side, and bytes held while silent. */
interface Pair {
  client: Socket
  upstream: Socket
  held: { to: Socket; chunk: Buffer }[]
}

/**
 * A TCP proxy a test puts between a Cairn server and PostgreSQL, to cut the database off the way
 * networks and operators do: reset every connection, go silent (packets held, as during a partition,
 * and delivered when it heals), or refuse new connections. Listens on 127.0.0.1 on a free port.
 */
export class TcpProxy {
  #mode: ProxyMode = 'forward'
  readonly #pairs = new Set<Pair>()

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts a proxy to `host:port`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const ready: { proxy?: TcpProxy } = {}
    const server = createServer((client) => ready.proxy!.accept(client, target))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('proxy has no port')
    ready.proxy = new TcpProxy(server, address.port)
    return ready.proxy
  }

  get mode(): ProxyMode {
    return this.#mode
  }

  /** Number of connections open through the proxy. */
  get connections(): number {
    return this.#pairs.size
  }

  /** Resets every open connection (TCP RST on both sides), as a crashed or restarted database does. */
  reset(): void {
    for (const pair of this.#pairs) this.#drop(pair)
  }

  /** From now on bytes are held and nothing answers, in both directions. */
  silence(): void {
    this.#mode = 'silent'
  }

  /** Refuses new connections and resets the open ones: the database is down. */
  refuse(): void {
    this.#mode = 'refuse'
    this.reset()
  }

  /** The network is back: held bytes are delivered and new connections go through. */
  restore(): void {
    this.#mode = 'forward'
    for (const pair of this.#pairs) {
      for (const { to, chunk } of pair.held.splice(0)) if (!to.destroyed) to.write(chunk)
    }
  }

  /** Resets every connection and stops listening. */
  async close(): Promise<void> {
    this.reset()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.#mode === 'refuse') {
      client.resetAndDestroy()
      return
    }
    const upstream = connect(target.port, target.host)
    const pair: Pair = { client, upstream, held: [] }
    this.#pairs.add(pair)
    const relay = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (this.#mode === 'silent') pair.held.push({ to, chunk })
        else to.write(chunk)
      })
      from.on('error', () => this.#drop(pair))
      from.on('close', () => this.#drop(pair))
    }
    relay(client, upstream)
    relay(upstream, client)
  }

  #drop(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return
    for (const socket of [pair.client, pair.upstream]) {
      if (socket.destroyed) continue
      // resetAndDestroy needs a connected socket; one still connecting is just destroyed.
      if (socket.readyState === 'open') socket.resetAndDestroy()
      else socket.destroy()
    }
  }
}
