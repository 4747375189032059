/**
 * Reads exact byte counts from a stream that arrives in pieces of any size (network chunks): what a
 * frame-by-frame decryption needs. Holds at most the pieces that cover the bytes asked for, so that
 * reading a large stream never holds more than one request's worth of it.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>
  /** Pieces received and not read yet; the first one from `#offset`. */
  #pieces: Uint8Array[] = []
  #offset = 0
  #buffered = 0
  #ended = false

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]()
  }

  /**
   * The next `n` bytes, or fewer only when the stream ends before them (an empty array at its end).
   * The result is a fresh array: later reads never change it.
   */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered < n && !this.#ended) {
      const next = await this.#source.next()
      if (next.done) this.#ended = true
      else if (next.value.length > 0) {
        this.#pieces.push(next.value)
        this.#buffered += next.value.length
      }
    }
    const out = new Uint8Array(Math.min(n, this.#buffered))
    let filled = 0
    while (filled < out.length) {
      const piece = this.#pieces[0]
      const take = Math.min(piece.length - this.#offset, out.length - filled)
      out.set(piece.subarray(this.#offset, this.#offset + take), filled)
      filled += take
      this.#offset += take
      if (this.#offset === piece.length) {
        this.#pieces.shift()
        this.#offset = 0
      }
    }
    this.#buffered -= out.length
    return out
  }

  /** Stops reading: the source is told to end (a network stream is cancelled), buffered bytes dropped. */
  async close(): Promise<void> {
    this.#pieces = []
    this.#buffered = 0
    if (!this.#ended) {
      this.#ended = true
      await this.#source.return?.()
    }
  }
}
