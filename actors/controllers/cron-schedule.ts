/**
 * Cron schedules as Kubernetes' CronJob controller reads them (robfig/cron/v3's ParseStandard):
 * five fields `minute hour day-of-month month day-of-week`, each `*` or `?`, a value, a range
 * `a-b`, a step `*\/n`, `a-b/n` or `a/n` (a to the field's maximum), lists with commas, month and
 * weekday names (`JAN`, `mon`); and the descriptors @yearly (@annually), @monthly, @weekly, @daily
 * (@midnight), @hourly. Day of month and day of week: when either field starts with `*` or `?`
 * both must match, otherwise either may (as cron always did). Times are epoch ms, fields read on
 * the wall clock of a time zone (time-zone.ts); pure.
 */

import { instantOf, UTC_ZONE, type TimeZone, type WallClock } from './time-zone.ts'

/** A parsed schedule: the allowed values of each field as bit sets. */
export interface CronSchedule {
  readonly minute: bigint
  readonly hour: bigint
  readonly dom: bigint
  readonly month: bigint
  readonly dow: bigint
  /** The day-of-month or day-of-week field started with `*` or `?`. */
  readonly dayStar: boolean
}

export type ParsedSchedule = { readonly ok: true; readonly schedule: CronSchedule } | { readonly ok: false; readonly error: string }

interface Bounds {
  readonly min: number
  readonly max: number
  readonly names?: Readonly<Record<string, number>>
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 }
const DOW_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 }
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
]

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

class CronError extends Error {}

/** Parses a schedule; the error reads as robfig/cron's (`expected exactly 5 fields, found 3: [...]`). */
export function parseCronSchedule(text: string): ParsedSchedule {
  const spec = text.trim()
  if (spec.startsWith('@')) {
    const expanded = DESCRIPTORS[spec.toLowerCase()]
    return expanded === undefined ? { ok: false, error: `unrecognized descriptor: ${spec}` } : parseCronSchedule(expanded)
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) return { ok: false, error: `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]` }
  try {
    const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(f, FIELDS[i]!))
    const dayStar = isStar(fields[2]!) || isStar(fields[4]!)
    return { ok: true, schedule: { minute: minute!.bits, hour: hour!.bits, dom: dom!.bits, month: month!.bits, dow: dow!.bits, dayStar } }
  } catch (error) {
    if (error instanceof CronError) return { ok: false, error: error.message }
    throw error
  }
}

const isStar = (field: string): boolean => field.startsWith('*') || field.startsWith('?')

function parseField(field: string, bounds: Bounds): { bits: bigint } {
  let bits = 0n
  for (const part of field.split(',')) bits |= parseRange(part, bounds)
  return { bits }
}

/** One comma-separated part: `*`, `a`, `a-b`, with an optional `/step`. */
function parseRange(expr: string, bounds: Bounds): bigint {
  const rangeAndStep = expr.split('/')
  const lowAndHigh = rangeAndStep[0]!.split('-')
  let start: number
  let end: number
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    if (lowAndHigh.length > 1) throw new CronError(`too many hyphens: ${expr}`)
    start = bounds.min
    end = bounds.max
  } else {
    start = value(lowAndHigh[0]!, bounds)
    if (lowAndHigh.length === 1) end = start
    else if (lowAndHigh.length === 2) end = value(lowAndHigh[1]!, bounds)
    else throw new CronError(`too many hyphens: ${expr}`)
  }
  let step = 1
  if (rangeAndStep.length === 2) {
    step = positiveInt(rangeAndStep[1]!)
    // `N/step` means N to the maximum, every step.
    if (lowAndHigh.length === 1 && lowAndHigh[0] !== '*' && lowAndHigh[0] !== '?') end = bounds.max
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`)
  if (start < bounds.min) throw new CronError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`)
  if (end > bounds.max) throw new CronError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`)
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`)
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`)
  let bits = 0n
  for (let v = start; v <= end; v += step) bits |= 1n << BigInt(v)
  return bits
}

function value(text: string, bounds: Bounds): number {
  const named = bounds.names?.[text.toLowerCase()]
  return named ?? positiveInt(text)
}

function positiveInt(text: string): number {
  if (!/^\d+$/.test(text)) throw new CronError(`failed to parse int from ${text}: not a number`)
  return Number(text)
}

const has = (bits: bigint, v: number): boolean => ((bits >> BigInt(v)) & 1n) === 1n

function dayMatches(s: CronSchedule, w: WallClock): boolean {
  const domMatch = has(s.dom, w.day)
  const dowMatch = has(s.dow, w.weekday)
  return s.dayStar ? domMatch && dowMatch : domMatch || dowMatch
}

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS

/**
 * The first time strictly after `after` (epoch ms) the schedule fires, on a whole minute of the
 * wall clock in `zone` (UTC when not given); undefined when none comes within five years
 * (`0 0 30 2 *`). robfig/cron's SpecSchedule.Next: move month, then day, hour, minute forward to
 * the next allowed value, starting over when a field wraps. Hours advance in real time, so across
 * a DST change a wall time that does not exist is skipped (`30 2 * * *` does not fire on the
 * spring-forward day) and one that happens twice fires twice (`30 1 * * *` on the fall-back day).
 */
export function nextCronTime(s: CronSchedule, after: number, zone: TimeZone = UTC_ZONE): number | undefined {
  let t = Math.floor(after / MINUTE_MS) * MINUTE_MS + MINUTE_MS
  let added = false
  const yearLimit = zone.wallClock(t).year + 5
  wrap: for (;;) {
    let w = zone.wallClock(t)
    if (w.year > yearLimit) return undefined
    while (!has(s.month, w.month)) {
      if (!added) {
        added = true
        t = instantOf(zone, w.year, w.month, 1)
        w = zone.wallClock(t)
      }
      t = instantOf(zone, w.year, w.month + 1, w.day, w.hour, w.minute)
      w = zone.wallClock(t)
      if (w.month === 1) continue wrap
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true
        t = instantOf(zone, w.year, w.month, w.day)
        w = zone.wallClock(t)
      }
      t = instantOf(zone, w.year, w.month, w.day + 1, w.hour, w.minute)
      w = zone.wallClock(t)
      // A DST change moved midnight: back to it (robfig adds or subtracts the hours).
      if (w.hour !== 0) {
        t += (w.hour > 12 ? 24 - w.hour : -w.hour) * HOUR_MS
        w = zone.wallClock(t)
      }
      if (w.day === 1) continue wrap
    }
    while (!has(s.hour, w.hour)) {
      if (!added) {
        added = true
        t = instantOf(zone, w.year, w.month, w.day, w.hour)
      }
      t += HOUR_MS
      w = zone.wallClock(t)
      if (w.hour === 0) continue wrap
    }
    while (!has(s.minute, w.minute)) {
      added = true
      t += MINUTE_MS
      w = zone.wallClock(t)
      if (w.minute === 0) continue wrap
    }
    return t
  }
}
