/**
 * The simulation's leader faults: a paused host link holds what goes in and out and lets it through
 * in order on resume; the leader-fault schedule is drawn from its seed and ends in its window.
 */
import t from 'tap'
import { seededRandom } from '../../../runtime/random.ts'
import { describeFault, drawLeaderFaults } from '../../../runtime/sim/faults.ts'
import { HostLink } from '../../../runtime/sim/host-link.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'

const text = (data: Uint8Array) => new TextDecoder().decode(data)
const bytes = (s: string) => new TextEncoder().encode(s)

function pair() {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(1), { minLatencyMs: 1, maxLatencyMs: 1 })
  const sent: string[] = []
  const link = new HostLink(network.connect('paused'), (_subject, data) => void sent.push(text(data)))
  const other = network.connect('other')
  const atLink: string[] = []
  const atOther: string[] = []
  link.subscribe('to.link', (m) => void atLink.push(text(m.data)))
  other.subscribe('to.other', (m) => void atOther.push(text(m.data)))
  return { clock, link, other, sent, atLink, atOther }
}

t.test('host link - paused, nothing goes out or comes in; on resume all of it, in order', async (t) => {
  const { clock, link, other, sent, atLink, atOther } = pair()
  link.pause()
  t.ok(link.isPaused)
  link.publish('to.other', bytes('a'))
  other.publish('to.link', bytes('x'))
  link.publish('to.other', bytes('b'))
  clock.runUntil(100)
  t.strictSame([atOther, atLink, sent], [[], [], []], 'held while paused (not even recorded as sent)')
  link.resume()
  t.strictSame(sent, ['a', 'b'], 'the held sends leave at resume, in order')
  t.strictSame(atLink, ['x'], 'what arrived while paused is delivered at resume')
  clock.runUntil(200)
  t.strictSame(atOther, ['a', 'b'])
  t.notOk(link.isPaused)
})

t.test('host link - a link cut while paused drops what it held', async (t) => {
  const { clock, link, other, sent, atLink, atOther } = pair()
  link.pause()
  link.publish('to.other', bytes('a'))
  other.publish('to.link', bytes('x'))
  clock.runUntil(100)
  link.cut()
  link.resume()
  clock.runUntil(200)
  t.strictSame([sent, atLink, atOther], [[], [], []])
  t.notOk(link.isPaused)
})

t.test('leader faults - drawn from the seed, aimed at a role, over by the window end', async (t) => {
  const masters = ['master-1', 'master-2', 'master-3']
  const window = { startMs: 30_000, endMs: 60_000 }
  const kinds = new Set<string>()
  for (let seed = 1; seed <= 200; seed++) {
    const faults = drawLeaderFaults(seededRandom(seed), masters, window)
    if (seed === 1) t.strictSame(faults, drawLeaderFaults(seededRandom(seed), masters, window), 'same seed, same schedule')
    for (const fault of faults) {
      kinds.add(fault.kind)
      if (fault.atMs < window.startMs || fault.atMs + fault.forMs > window.endMs) t.fail(`seed ${seed}: ${describeFault(fault)} outside the window`)
      if (!masters.includes(fault.fallback)) t.fail(`seed ${seed}: fallback ${fault.fallback} is no master`)
      if (fault.kind === 'kill-in-turn' && fault.forMs !== 2 * fault.downMs! + fault.gapMs!) t.fail(`seed ${seed}: ${describeFault(fault)} spans the wrong time`)
    }
  }
  t.strictSame([...kinds].sort(), ['isolate-leader', 'kill-in-turn', 'kill-leader', 'kill-two-masters', 'pause-leader'], 'every kind is drawn')
})
