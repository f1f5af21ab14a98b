/**
 * Durations as Kubernetes and Chaos Mesh write them (Go's time.ParseDuration): `500ms`, `30s`,
 * `1m30s`, `1.5h`. Chaos specs carry them as strings; the experiment step works in milliseconds.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/y

/** Milliseconds of a duration string, or undefined when it is not one (a bare `0` is zero). */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0
  const negative = text.startsWith('-')
  const body = negative || text.startsWith('+') ? text.slice(1) : text
  if (body === '') return undefined
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < body.length) {
    const at = PART.lastIndex
    const match = PART.exec(body)
    if (match === null || match.index !== at) return undefined
    total += Number(match[1]) * UNIT_MS[match[2]!]!
  }
  return Math.round(negative ? -total : total)
}

/** A duration as the shortest Go-style string: 1500 -> `1.5s`, 90000 -> `1m30s`, 250 -> `250ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 0) return `-${formatDuration(-ms)}`
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`
}
