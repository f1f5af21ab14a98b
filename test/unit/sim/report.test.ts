/** What `npm run sim` prints for a failed seed: which violation comes first, which messages surround it, the replay command. */
import t from 'tap'
import { encodeEvent } from '../../../runtime/codec.ts'
import { describeMessage, firstViolation, replayCommand, traceAround } from '../../../runtime/sim/report.ts'
import type { TracedMessage } from '../../../runtime/sim/simulation.ts'

const message = (at: number, type = 'x.ping'): TracedMessage => ({ at, from: 'master-1', subject: 'ak.c1.store.master-1.raft', data: encodeEvent({ type, n: at }) })

t.test('sim report - the first violation is the earliest placed in time, else the first listed', async (t) => {
  t.equal(firstViolation([{ name: 'a', held: true }]), undefined)
  t.equal(firstViolation([{ name: 'a', held: false }, { name: 'b', held: false, at: 900 }, { name: 'c', held: false, at: 300 }])?.name, 'c')
  t.equal(firstViolation([{ name: 'a', held: true, at: 1 }, { name: 'b', held: false }, { name: 'c', held: false }])?.name, 'b')
})

t.test('sim report - the trace around a violation: messages up to it, then a few after', async (t) => {
  const trace = Array.from({ length: 100 }, (_, i) => message(i * 10))
  const around = traceAround(trace, 500, 3, 2)
  t.strictSame(around.map((m) => m.at), [480, 490, 500, 510, 520])
  t.strictSame(traceAround(trace, 5, 3, 2).map((m) => m.at), [0, 10, 20], 'near the start')
  t.strictSame(traceAround(trace, 10_000, 2, 2).map((m) => m.at), [980, 990], 'past the end')
})

t.test('sim report - a message line decodes the event and is cut to width', async (t) => {
  const line = describeMessage(message(12.5, 'store.append'))
  t.match(line, /^ +12\.500 master-1 +ak\.c1\.store\.master-1\.raft +\{"type":"store\.append","n":12\.5\}$/)
  t.equal(describeMessage({ ...message(1), data: encodeEvent({ type: 'big', blob: 'x'.repeat(500) }) }, 80).length, 80)
  t.match(describeMessage({ ...message(1), data: new Uint8Array([0xc1]) }), /undecodable/)
})

t.test('sim report - the replay command names seed, nodes and virtual seconds', async (t) => {
  t.equal(replayCommand({ seed: 42, nodes: 5, virtualSeconds: 60 }), 'npm run sim -- --seed 42 --nodes 5 --virtual-seconds 60')
  t.equal(replayCommand({ seed: 9, nodes: 5, virtualSeconds: 60, leaderFaults: false }), 'npm run sim -- --seed 9 --nodes 5 --virtual-seconds 60 --no-leader-faults', 'a run without leader faults replays without them')
})
