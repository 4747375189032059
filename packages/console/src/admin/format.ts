/** A time (epoch ms) as the reader's locale writes it; a dash when there is none. */
export function formatTime(epochMs: number | undefined): string {
  return epochMs === undefined ? '—' : new Date(epochMs).toLocaleString()
}
