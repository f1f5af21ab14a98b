import t from 'tap'
import { nextCronTime, parseCronSchedule, type CronSchedule } from '../../../actors/controllers/cron-schedule.ts'

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
