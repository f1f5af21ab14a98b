import t from 'tap'
import { nextCronTime, parseCronSchedule, type CronSchedule } from '../../../actors/controllers/cron-schedule.ts'
import { timeZone, timeZoneError } from '../../../actors/controllers/time-zone.ts'

const utc = (text: string): number => Date.parse(text)
const iso = (ms: number | undefined): string => (ms === undefined ? 'never' : new Date(ms).toISOString().replace('.000Z', 'Z'))

function schedule(text: string): CronSchedule {
  const parsed = parseCronSchedule(text)
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error}`)
  return parsed.schedule
}

/** The next `n` firing times after `from`. */
function firings(text: string, from: string, n: number): string[] {
  const s = schedule(text)
  const out: string[] = []
  let t = utc(from)
  for (let i = 0; i < n; i++) {
    const next = nextCronTime(s, t)
    out.push(iso(next))
    if (next === undefined) break
    t = next
  }
  return out
}

t.test('cron - next firing times of fields, ranges, steps, lists and names', async (t) => {
  const cases: [string, string, number, string[]][] = [
    ['*/1 * * * *', '2026-01-01T00:00:30Z', 2, ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z']],
    ['* * * * *', '2026-01-01T00:01:00Z', 1, ['2026-01-01T00:02:00Z']],
    ['*/15 * * * *', '2026-01-01T00:14:00Z', 3, ['2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z']],
    ['5/20 * * * *', '2026-01-01T00:00:00Z', 3, ['2026-01-01T00:05:00Z', '2026-01-01T00:25:00Z', '2026-01-01T00:45:00Z']],
    ['10-12 3 * * *', '2026-01-01T03:11:00Z', 3, ['2026-01-01T03:12:00Z', '2026-01-02T03:10:00Z', '2026-01-02T03:11:00Z']],
    ['0 9-17/4 * * *', '2026-01-01T00:00:00Z', 3, ['2026-01-01T09:00:00Z', '2026-01-01T13:00:00Z', '2026-01-01T17:00:00Z']],
    ['0,30 1,2 * * *', '2026-01-01T01:30:00Z', 3, ['2026-01-01T02:00:00Z', '2026-01-01T02:30:00Z', '2026-01-02T01:00:00Z']],
    ['0 0 1 jan,JUL *', '2026-01-01T00:00:00Z', 2, ['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z']],
    ['0 12 * * MON-wed', '2026-01-01T00:00:00Z', 3, ['2026-01-05T12:00:00Z', '2026-01-06T12:00:00Z', '2026-01-07T12:00:00Z']],
    // Day of month OR day of week when both are restricted: the 13th, and every Friday.
    ['0 0 13 * 5', '2026-02-01T00:00:00Z', 3, ['2026-02-06T00:00:00Z', '2026-02-13T00:00:00Z', '2026-02-20T00:00:00Z']],
    // `?` is `*`; a restricted day of month with `*` weekday: only that day.
    ['0 0 31 * ?', '2026-01-31T00:00:00Z', 2, ['2026-03-31T00:00:00Z', '2026-05-31T00:00:00Z']],
    ['0 0 29 2 *', '2026-01-01T00:00:00Z', 1, ['2028-02-29T00:00:00Z']],
    ['0 0 30 2 *', '2026-01-01T00:00:00Z', 1, ['never']],
    ['59 23 31 12 *', '2026-12-31T23:59:00Z', 1, ['2027-12-31T23:59:00Z']],
  ]
  for (const [text, from, n, want] of cases) t.same(firings(text, from, n), want, `${text} after ${from}`)
})

t.test('cron - descriptors', async (t) => {
  const cases: [string, string][] = [
    ['@hourly', '2026-01-01T01:00:00Z'],
    ['@daily', '2026-01-02T00:00:00Z'],
    ['@midnight', '2026-01-02T00:00:00Z'],
    ['@weekly', '2026-01-04T00:00:00Z'],
    ['@monthly', '2026-02-01T00:00:00Z'],
    ['@yearly', '2027-01-01T00:00:00Z'],
    ['@annually', '2027-01-01T00:00:00Z'],
  ]
  for (const [text, want] of cases) t.same(firings(text, '2026-01-01T00:10:00Z', 1), [want], text)
})

t.test('cron - bad schedules are refused with robfig/cron wording', async (t) => {
  const cases: [string, string][] = [
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['x * * * *', 'failed to parse int from x: not a number'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['@every 5m', 'unrecognized descriptor: @every 5m'],
    ['@often', 'unrecognized descriptor: @often'],
  ]
  for (const [text, error] of cases) t.same(parseCronSchedule(text), { ok: false, error }, text)
})

/** The next firing after `from` (an ISO time with offset) in `zone`, as an ISO time in UTC. */
const nextIn = (zoneName: string, text: string, from: string): string => iso(nextCronTime(schedule(text), Date.parse(from), timeZone(zoneName)))

t.test('cron - schedules read the wall clock of a time zone', async (t) => {
  t.equal(nextIn('Europe/Berlin', '0 9 * * *', '2026-01-10T12:00:00Z'), '2026-01-11T08:00:00Z', 'winter: 09:00 CET is 08:00 UTC')
  t.equal(nextIn('Europe/Berlin', '0 9 * * *', '2026-07-10T12:00:00Z'), '2026-07-11T07:00:00Z', 'summer: 09:00 CEST is 07:00 UTC')
  t.equal(nextIn('Asia/Kolkata', '0 0 * * *', '2026-01-01T00:00:00Z'), '2026-01-01T18:30:00Z', 'a half-hour offset')
  t.equal(nextIn('Pacific/Auckland', '0 0 1 * *', '2026-01-15T00:00:00Z'), '2026-01-31T11:00:00Z', 'the first of the month, a day ahead of UTC')
  t.equal(nextIn('America/New_York', '0 0 * * 1', '2026-03-04T00:00:00Z'), '2026-03-09T04:00:00Z', 'day of week on the zone calendar, after spring forward')
  t.equal(nextIn('UTC', '0 9 * * *', '2026-01-10T12:00:00Z'), '2026-01-11T09:00:00Z')
  t.equal(nextIn('Etc/UTC', '0 9 * * *', '2026-01-10T12:00:00Z'), '2026-01-11T09:00:00Z')
})

// robfig/cron v3's own DST cases (spec_test.go TestNext), America/New_York in 2012: spring forward
// on 11 March at 02:00 EST -> 03:00 EDT, fall back on 4 November at 02:00 EDT -> 01:00 EST.
t.test('cron - across DST changes as robfig/cron: a skipped wall time is skipped, a repeated one fires twice', async (t) => {
  const cases: [string, string, string][] = [
    ['0 * * * *', '2012-03-11T00:00:00-0500', '2012-03-11T01:00:00-0500'],
    ['0 * * * *', '2012-03-11T01:00:00-0500', '2012-03-11T03:00:00-0400'],
    ['0 * * * *', '2012-03-11T03:00:00-0400', '2012-03-11T04:00:00-0400'],
    ['0 1 * * *', '2012-03-11T00:00:00-0500', '2012-03-11T01:00:00-0500'],
    ['0 1 * * *', '2012-03-11T01:00:00-0500', '2012-03-12T01:00:00-0400'],
    ['0 2 * * *', '2012-03-11T00:00:00-0500', '2012-03-12T02:00:00-0400'],
    ['30 2 4 11 *', '2012-11-04T00:00:00-0400', '2012-11-04T02:30:00-0500'],
    ['30 1 4 11 *', '2012-11-04T01:45:00-0400', '2012-11-04T01:30:00-0500'],
    ['0 * * * *', '2012-11-04T00:00:00-0400', '2012-11-04T01:00:00-0400'],
    ['0 * * * *', '2012-11-04T01:00:00-0400', '2012-11-04T01:00:00-0500'],
    ['0 * * * *', '2012-11-04T01:00:00-0500', '2012-11-04T02:00:00-0500'],
    ['0 1 * * *', '2012-11-04T00:00:00-0400', '2012-11-04T01:00:00-0400'],
    ['0 1 * * *', '2012-11-04T01:00:00-0400', '2012-11-04T01:00:00-0500'],
    ['0 1 * * *', '2012-11-04T01:00:00-0500', '2012-11-05T01:00:00-0500'],
    ['0 2 * * *', '2012-11-04T00:00:00-0400', '2012-11-04T02:00:00-0500'],
    ['0 2 * * *', '2012-11-04T02:00:00-0500', '2012-11-05T02:00:00-0500'],
    ['0 0 * * *', '2012-03-10T12:00:00-0500', '2012-03-11T00:00:00-0500'],
    ['0 0 * * *', '2012-03-11T00:00:00-0500', '2012-03-12T00:00:00-0400'],
  ]
  for (const [text, from, want] of cases) t.equal(nextIn('America/New_York', text, from), iso(Date.parse(want)), `${text} after ${from}`)
})

t.test('cron - a simulated day of */30 across the spring-forward hour: 45 firings (00:30 to 23:30), none at 02:xx', async (t) => {
  const zone = timeZone('America/New_York')
  const s = schedule('*/30 * * * *')
  const fired: string[] = []
  for (let t0 = Date.parse('2012-03-11T00:00:00-0500'), next = nextCronTime(s, t0, zone); next !== undefined && next < Date.parse('2012-03-12T00:00:00-0400'); next = nextCronTime(s, next, zone)) {
    const w = zone.wallClock(next)
    fired.push(`${w.hour}:${w.minute}`)
  }
  t.equal(fired.length, 45)
  t.notOk(fired.some((f) => f.startsWith('2:')), 'no wall time in the gap')
  t.same(fired.slice(0, 5), ['0:30', '1:0', '1:30', '3:0', '3:30'])
})

t.test('time zones: the names Kubernetes accepts', async (t) => {
  for (const name of ['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'US/Eastern']) t.equal(timeZoneError(name), undefined, name)
  t.equal(timeZoneError('Mars/Olympus'), 'unknown time zone Mars/Olympus')
  t.equal(timeZoneError('../../etc/passwd'), 'unknown time zone ../../etc/passwd')
  t.equal(timeZoneError('-Europe'), 'unknown time zone -Europe')
  t.equal(timeZoneError('Local'), 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')
  t.equal(timeZoneError(''), 'timeZone must be nil or non-empty string')
})
