import t from 'tap'
import { crashBackoff, goDuration, nextBackoffMs } from '../../../actors/pod/backoff.ts'

const config = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }

/** The waits of `ran.length` exits in a row, each after a run of ran[i] ms. */
function crashWaits(ran: readonly number[]): number[] {
  let entry: number | undefined
  return ran.map((ms) => {
    const next = crashBackoff(entry, ms, config)
    entry = next.entryMs
    return next.waitMs
  })
}

t.test('backoff - crash: at once, then 10 s doubling to the cap (kubelet doBackOff)', async (t) => {
  t.strictSame(crashWaits(Array(8).fill(1000)), [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000])
})

t.test('backoff - crash: a run of resetAfterMs expires the entry: at once again, then 10 s', async (t) => {
  t.strictSame(crashWaits([1000, 1000, 1000, 600_000, 1000, 1000]), [0, 10_000, 20_000, 0, 10_000, 20_000])
  t.strictSame(crashWaits([1000, 1000, 599_999]), [0, 10_000, 20_000], 'just short of it: no reset')
  t.strictSame(crashBackoff(undefined, 0, config), { waitMs: 0, entryMs: 10_000 }, 'the first exit creates the entry at initialMs')
})

t.test('backoff - crash: initialMs above maxMs is capped', async (t) => {
  const small = { initialMs: 10_000, maxMs: 4000, resetAfterMs: 60_000 }
  t.strictSame(crashBackoff(undefined, 0, small), { waitMs: 0, entryMs: 4000 })
  t.strictSame(crashBackoff(4000, 0, small), { waitMs: 4000, entryMs: 4000 })
})

t.test('backoff - a failed start or pull waits initialMs the first time, doubling to the cap', async (t) => {
  const seq: number[] = []
  let d: number | undefined
  for (let i = 0; i < 7; i++) seq.push((d = nextBackoffMs(d, config)))
  t.strictSame(seq, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000])
})

t.test('backoff - Go durations', async (t) => {
  t.strictSame([0, 250, 1500, 10_000, 80_000, 300_000, 3_600_000].map(goDuration), ['0s', '250ms', '1.5s', '10s', '1m20s', '5m0s', '1h0m0s'])
})
