import t from 'tap'
import { humanDuration, since } from '../../../actors/apiserver/tables/duration.ts'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

t.test('humanDuration follows apimachinery duration.HumanDuration', async (t) => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1.5 * S, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 10 * S, '2m10s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [731 * D, '2y1d'],
    [8 * 365 * D, '8y'],
    [10 * 365 * D + 100 * D, '10y'],
  ]
  for (const [ms, want] of cases) t.equal(humanDuration(ms), want, `${ms}ms`)
})

t.test('since: relative to now, <unknown> when missing', async (t) => {
  const now = Date.parse('2025-01-02T03:04:05Z')
  t.equal(since('2025-01-02T03:04:00Z', now), '5s')
  t.equal(since('2025-01-02T02:01:55Z', now), '62m')
  t.equal(since('2024-12-31T00:04:05Z', now), '2d3h')
  t.equal(since(undefined, now), '<unknown>')
  t.equal(since(null, now), '<unknown>')
  t.equal(since('not a time', now), '<unknown>')
})
