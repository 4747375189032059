/**
 * A record's date as people read it. MedTech dates come in two forms: "fuzzy" dates, the digits of
 * YYYYMMDD or YYYYMMDDhhmmss (`valueDate`, `openingDate`...), and epoch milliseconds (`created`,
 * `modified`); a fuzzy date is told apart by its digits making a valid calendar date.
 */
export function formatDate(value: number | undefined): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined
  const digits = String(Math.trunc(value))
  const fuzzy = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(digits)
  if (fuzzy && (digits.length === 8 || digits.length === 14)) {
    const [, y, m, d, hh, mm] = fuzzy
    if (Number(m) >= 1 && Number(m) <= 12 && Number(d) >= 1 && Number(d) <= 31)
      return hh === undefined || (hh === '00' && mm === '00')
        ? `${y}-${m}-${d}`
        : `${y}-${m}-${d} ${hh}:${mm}`
  }
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return undefined
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}
