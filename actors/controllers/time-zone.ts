/**
 * Wall-clock fields of an instant in an IANA time zone, and the instant of wall-clock fields, for
 * CronJob `spec.timeZone`. The zone rules come from the JavaScript engine's own ICU data through
 * `Intl.DateTimeFormat` (present in Node and Deno; no file is read), so a pure step can compute
 * a schedule in `Europe/Berlin` without the host's zoneinfo files.
 */

/** An instant's wall clock in a zone: month 1-12, weekday 0 (Sunday) - 6. */
export interface WallClock {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly weekday: number
}

export interface TimeZone {
  readonly name: string
  /** The wall clock at epoch ms `t`. */
  wallClock(t: number): WallClock
  /** The zone's offset from UTC at epoch ms `t`, in ms (east positive). */
  offsetAt(t: number): number
}

export const UTC_ZONE: TimeZone = {
  name: 'UTC',
  wallClock(t) {
    const d = new Date(t)
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() }
  },
  offsetAt: () => 0,
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }
/** Kubernetes' validTimeZoneCharacters, applied to each `/`-separated part of the name. */
const NAME_PART = /^[A-Za-z.\-_0-9+]{1,14}$/
const MINUTE_MS = 60_000
const formats = new Map<string, Intl.DateTimeFormat>()

function formatOf(name: string): Intl.DateTimeFormat {
  let format = formats.get(name)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
    formats.set(name, format)
  }
  return format
}

/**
 * Why `name` is not a time zone Kubernetes accepts (validateTimeZone), or undefined when it is:
 * empty, a part outside the allowed characters, `Local`, or a name the zone database lacks.
 */
export function timeZoneError(name: string): string | undefined {
  if (name === '') return 'timeZone must be nil or non-empty string'
  if (name.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !NAME_PART.test(part))) return `unknown time zone ${name}`
  if (name.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'
  try {
    formatOf(name)
    return undefined
  } catch {
    return `unknown time zone ${name}`
  }
}

/** The zone called `name` (an IANA name that timeZoneError accepts; UTC when absent). */
export function timeZone(name: string | undefined): TimeZone {
  if (name === undefined || name === 'UTC' || name === 'Etc/UTC') return UTC_ZONE
  const format = formatOf(name)
  const wallClock = (t: number): WallClock => {
    const parts: Record<string, string> = {}
    for (const part of format.formatToParts(new Date(t))) parts[part.type] = part.value
    return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0 }
  }
  const offsetAt = (t: number): number => {
    const w = wallClock(t)
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(t / MINUTE_MS) * MINUTE_MS
  }
  return { name, wallClock, offsetAt }
}

/**
 * The instant of a wall-clock time in `zone` (Go's time.Date): month and day may overflow and
 * normalize. The offset is looked up at the wall time read as UTC and, if the instant it gives
 * has another offset, once more there, as Go does; so a time in a gap or repeated hour resolves
 * as Go's time.Date resolves it (robfig/cron only asks for midnights and whole hours).
 */
export function instantOf(zone: TimeZone, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute)
  const guess = zone.offsetAt(asUtc)
  const first = asUtc - guess
  const offset = zone.offsetAt(first)
  return offset === guess ? first : asUtc - offset
}
