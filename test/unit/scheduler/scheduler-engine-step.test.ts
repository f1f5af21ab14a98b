/**
 * The scheduler engine's pure step (actors/scheduler/scheduler-engine-step.ts) driven on a
 * VirtualClock: a small driver does what the runtime adapter does with the pump and wakeup
 * effects, and keeps every other effect for the test to read.
 */
import t from 'tap'
import type { Node, Pod } from '../../../actors/kube/objects.ts'
import { rfc3339Seconds } from '../../../actors/apiserver/meta/object-meta.ts'
import {
  DECISIONS_PER_TURN,
  MAX_IN_FLIGHT_BINDS,
  newSchedulerEngineState,
  step,
  type SchedulerEffect,
  type SchedulerEngineInput,
  type SchedulerEngineOptions,
  type SchedulerEngineState,
} from '../../../actors/scheduler/scheduler-engine-step.ts'
import type { SchedulerOptions } from '../../../actors/scheduler/scheduler.ts'
import type { TimerHandle } from '../../../runtime/clock.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { node, pod, seeded, type PodOptions } from './fixtures.ts'

const START = 1_700_000_000_000

type Effect<T extends SchedulerEffect['type']> = Extract<SchedulerEffect, { type: T }>

/** Feeds the step as the adapter does: `pumpSoon` runs after the input, `wakeup` is one VirtualClock timer. */
class Driver {
  readonly clock = new VirtualClock(START)
  readonly state: SchedulerEngineState
  /** Every effect but the driver's own (pumpSoon, wakeup, relist), in order. */
  readonly effects: SchedulerEffect[] = []
  wakeupAt: number | undefined
  #wakeup: TimerHandle | undefined
  #pumpSoon = false

  constructor(options: Partial<SchedulerOptions> = {}, standby = false, turnSlice?: SchedulerEngineOptions['turnSlice']) {
    this.state = newSchedulerEngineState({ scheduler: { random: seeded(7), ...options }, ...(standby ? { standby } : {}), ...(turnSlice ? { turnSlice } : {}) })
  }

  feed(input: SchedulerEngineInput): SchedulerEffect[] {
    const out = step(this.state, input, this.clock.now())
    for (const effect of out) {
      if (effect.type === 'pumpSoon') this.#pumpSoon = true
      else if (effect.type === 'wakeup') this.#arm(effect.at)
      else if (effect.type !== 'relist') this.effects.push(effect)
    }
    return out
  }

  /** Runs the pumps asked for (the microtasks after an input). */
  settle(): void {
    while (this.#pumpSoon) {
      this.#pumpSoon = false
      this.feed({ type: 'pump' })
    }
  }

  /** A fresh view: relist, then the nodes and pods of the new generation, then the pump. */
  start(nodes: Node[], pods: Pod[]): void {
    this.feed({ type: 'relist' })
    this.list(nodes, pods)
  }

  list(nodes: Node[], pods: Pod[]): void {
    const generation = this.state.generation
    this.feed({ type: 'nodes', generation, events: nodes.map((object) => ({ type: 'ADDED', object })) })
    this.feed({ type: 'pods', generation, events: pods.map((object) => ({ type: 'ADDED', object })) })
    this.settle()
  }

  advance(ms: number): void {
    this.clock.advance(ms)
    this.settle()
  }

  take(): SchedulerEffect[] {
    return this.effects.splice(0)
  }

  #arm(at: number | undefined): void {
    if (this.#wakeup !== undefined) this.clock.clearTimeout(this.#wakeup)
    this.#wakeup = undefined
    this.wakeupAt = at
    if (at === undefined) return
    this.#wakeup = this.clock.setTimeout(() => {
      this.#wakeup = undefined
      this.wakeupAt = undefined
      this.feed({ type: 'pump' })
      this.settle()
    }, at - this.clock.now())
  }
}

const binds = (effects: SchedulerEffect[]): Effect<'bind'>[] => effects.filter((e): e is Effect<'bind'> => e.type === 'bind')
const pods = (n: number, o: PodOptions = {}): Pod[] => Array.from({ length: n }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, o))
const bound = (p: Pod, nodeName: string): Pod => ({ ...p, spec: { ...p.spec, nodeName } })

t.test('scheduler engine step - watch events in one turn ask for one pump; the pump binds', async (t) => {
  const d = new Driver()
  t.same(d.feed({ type: 'relist' }), [{ type: 'wakeup', at: undefined }, { type: 'relist', generation: 1 }])
  t.same(d.feed({ type: 'nodes', generation: 1, events: [{ type: 'ADDED', object: node('n1') }] }), [{ type: 'pumpSoon' }])
  t.same(d.feed({ type: 'pods', generation: 1, events: [{ type: 'ADDED', object: pod('web', { cpu: '1' }) }] }), [], 'a pump is already asked for')
  d.settle()
  const [bind] = binds(d.take())
  t.match(bind, { type: 'bind', id: 1, nodeName: 'n1', pod: { name: 'web', namespace: 'default' }, trace: { result: 'bind' } })
  t.equal(d.state.inFlightBinds, 1)
})

t.test('scheduler engine step - a turn makes at most DECISIONS_PER_TURN decisions, then goes on after pending I/O', async (t) => {
  const d = new Driver()
  // No nodes: every decision is unschedulable, so the bind cap plays no part.
  d.start([], pods(DECISIONS_PER_TURN + 10))
  t.equal(d.take().filter((e) => e.type === 'patchStatus').length, DECISIONS_PER_TURN)
  t.equal(d.wakeupAt, START, 'the rest is due at once, on the next timer turn')
  d.advance(0)
  t.equal(d.take().filter((e) => e.type === 'patchStatus').length, 10)
  t.not(d.wakeupAt, START, 'nothing more is due now')
})

t.test('scheduler engine step - a turn also ends when its time slice is used up, after at least one decision', async (t) => {
  // A clock that moves 7 ms each time the step reads it: each decision "takes" 7 ms.
  let elapsed = 0
  const d = new Driver({}, false, { clock: () => (elapsed += 7), ms: 20 })
  d.start([], pods(10))
  t.equal(d.take().filter((e) => e.type === 'patchStatus').length, 3, 'read at 7 (the slice ends at 27), then 14, 21, 28: three decisions')
  t.equal(d.wakeupAt, START, 'cut short: the rest is due at once, after pending I/O')
  d.advance(0)
  t.equal(d.take().filter((e) => e.type === 'patchStatus').length, 7, 'the next turns decide the rest')
  t.not(d.wakeupAt, START, 'nothing more is due now')
  // A slice that is over before the first decision ends still makes one: the queue always moves.
  const slow = new Driver({}, false, { clock: () => (elapsed += 100), ms: 20 })
  slow.start([], pods(2))
  t.equal(slow.take().filter((e) => e.type === 'patchStatus').length, 1)
  slow.advance(0)
  t.equal(slow.take().filter((e) => e.type === 'patchStatus').length, 1)
})

t.test('scheduler engine step - at most MAX_IN_FLIGHT_BINDS binds are in flight; each answer frees a slot', async (t) => {
  const d = new Driver()
  d.start([node('n1', { cpu: '1000', pods: 1000 })], pods(MAX_IN_FLIGHT_BINDS + 40, { cpu: '10m' }))
  const first = binds(d.take())
  t.equal(first.length, MAX_IN_FLIGHT_BINDS)
  t.equal(d.wakeupAt, undefined, 'with every slot taken only an answer pumps (no timer spinning at the same instant)')
  d.advance(1000)
  t.same(binds(d.take()), [], 'no bind while every slot is taken')
  for (const b of first.slice(0, 5)) d.feed({ type: 'bind.answered', id: b.id, status: 201 })
  d.settle()
  t.equal(binds(d.take()).length, 5, 'five answers, five new binds')
  t.equal(d.state.inFlightBinds, MAX_IN_FLIGHT_BINDS)
  for (const b of first.slice(5)) d.feed({ type: 'bind.answered', id: b.id, status: 201 })
  d.settle()
  t.equal(binds(d.take()).length, 35, 'the rest')
})

t.test('scheduler engine step - a bind that succeeds records Scheduled; the watch confirms it', async (t) => {
  const d = new Driver()
  const web = pod('web', { cpu: '1' })
  d.start([node('n1')], [web])
  const [bind] = binds(d.take())
  t.same(d.feed({ type: 'bind.answered', id: bind!.id, status: 201 }), [
    { type: 'recordEvent', pod: web, eventType: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web to n1' },
    { type: 'pumpSoon' },
  ])
  t.ok(d.state.scheduler.cache.isAssumed('uid-web'), 'assumed until the watch confirms it')
  t.equal(d.state.inFlightBinds, 0)
  d.feed({ type: 'pods', generation: 1, events: [{ type: 'MODIFIED', object: bound(web, 'n1') }] })
  t.notOk(d.state.scheduler.cache.isAssumed('uid-web'))
  t.equal(d.state.scheduler.cache.nodeOf('uid-web'), 'n1')
})

for (const [name, answer] of [
  ['409 (bound meanwhile)', { type: 'bind.answered', status: 409 }],
  ['no answer', { type: 'bind.failed' }],
] as const) {
  t.test(`scheduler engine step - a bind answered ${name} undoes the assumption and retries after backoff`, async (t) => {
    const d = new Driver({ queue: { initialBackoffMs: 1000 } })
    // Room for one: b waits for a.
    d.start([node('n1', { cpu: '1' })], [pod('a', { cpu: '1', priority: 2 }), pod('b', { cpu: '1', priority: 1 })])
    const effects = d.take()
    const [bindA] = binds(effects)
    t.match(bindA, { pod: { name: 'a' }, nodeName: 'n1' })
    t.match(
      effects.find((e) => e.type === 'patchStatus'),
      { pod: { name: 'b' } },
      'b found no room',
    )
    // b's own backoff is over by the time a's answer comes.
    d.advance(2000)
    t.same(
      d.feed({ ...answer, id: bindA!.id }).filter((e) => e.type !== 'pumpSoon'),
      [],
      'no Scheduled event',
    )
    t.notOk(d.state.scheduler.cache.isAssumed('uid-a'), 'a is forgotten')
    d.settle()
    t.match(binds(d.take()), [{ pod: { name: 'b' }, nodeName: 'n1' }], "a's room is free again: b takes it")
    t.equal(d.state.scheduler.queue.whereIs('uid-a'), 'backoff')
    t.equal(d.wakeupAt, START + 2000 + 1000, 'a is due when its backoff ends')
  })
}

t.test('scheduler engine step - a pod no node fits gets PodScheduled=False and a FailedScheduling event', async (t) => {
  const d = new Driver()
  const big = pod('big', { cpu: '8' })
  d.clock.advance(1500)
  d.start([node('n1', { cpu: '4' })], [big])
  const message = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..'
  const [event, patch] = d.take()
  t.same(event, { type: 'recordEvent', pod: big, eventType: 'Warning', reason: 'FailedScheduling', message })
  t.match(patch, {
    type: 'patchStatus',
    pod: { name: 'big' },
    what: 'the pod condition',
    status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: rfc3339Seconds(START + 1500) }] },
    trace: { result: 'unschedulable', message },
  })
  t.notOk(patch?.type === 'patchStatus' && 'nominatedNodeName' in patch.status, 'no nomination without preemption')
})

t.test('scheduler engine step - preemption: event, victims (DisruptionTarget, then delete), cleared nominations, then the nominating patch', async (t) => {
  const d = new Driver()
  const victims = [bound(pod('low1', { cpu: '1', priority: 1 }), 'n1'), bound(pod('low2', { cpu: '1', priority: 1 }), 'n1')]
  // Nominated to n1 by another scheduler, below the preemptor: it loses its nomination.
  const nominee: Pod = { ...pod('nominee', { cpu: '1', priority: 5, schedulerName: 'other' }), status: { nominatedNodeName: 'n1' } }
  const high = pod('high', { cpu: '2', priority: 100 })
  d.start([node('n1', { cpu: '2' })], [...victims, nominee, high])
  const effects = d.take()
  const last = effects.findIndex((e) => e.type === 'patchStatus' && e.pod.name === 'high')
  t.match(effects.slice(0, last + 1), [
    { type: 'recordEvent', pod: high, eventType: 'Warning', reason: 'FailedScheduling' },
    { type: 'preemptVictim', victim: { name: 'low1', uid: 'uid-low1' }, nodeName: 'n1', condition: { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' }, message: 'Preempted by pod uid-high on node n1' },
    { type: 'preemptVictim', victim: { name: 'low2' } },
    { type: 'patchStatus', pod: { name: 'nominee' }, status: { nominatedNodeName: null }, what: 'the cleared nomination' },
    { type: 'patchStatus', pod: { name: 'high' }, status: { conditions: [{ type: 'PodScheduled', reason: 'Unschedulable' }], nominatedNodeName: 'n1' } },
  ])
  t.equal(last, 4)
  // The victims go: once its backoff is over, the nominated pod binds to the node it was nominated to.
  d.feed({ type: 'pods', generation: 1, events: victims.map((object) => ({ type: 'DELETED', object })) })
  d.settle()
  t.same(binds(d.take()), [], 'still backing off')
  d.advance(1000)
  t.match(binds(d.take()), [{ pod: { name: 'high' }, nodeName: 'n1' }])
})

t.test('scheduler engine step - a terminating victim is not deleted again', async (t) => {
  const d = new Driver()
  const leaving = bound(pod('leaving', { cpu: '2', priority: 1, deleting: true }), 'n1')
  d.start([node('n1', { cpu: '2' })], [leaving, pod('high', { cpu: '2', priority: 100 })])
  const effects = d.take()
  t.match(
    effects.find((e) => e.type === 'patchStatus'),
    { pod: { name: 'high' }, status: { nominatedNodeName: 'n1' } },
    'high is nominated to the node the leaving pod frees',
  )
  t.same(
    effects.filter((e) => e.type === 'preemptVictim'),
    [],
  )
})

t.test('scheduler engine step - a watch that ended relists with a new generation; the old generation is ignored', async (t) => {
  const d = new Driver()
  const web = pod('web', { cpu: '1' })
  d.start([node('n1')], [web])
  const [old] = binds(d.take())
  t.same(d.feed({ type: 'watch.ended', generation: 1, message: 'too old resource version' }), [
    { type: 'wakeup', at: undefined },
    { type: 'relist', generation: 2, why: 'too old resource version' },
  ])
  t.same(d.feed({ type: 'watch.ended', generation: 1, message: 'the other watch' }), [], 'one relist per generation')
  t.same(d.feed({ type: 'pods', generation: 1, events: [{ type: 'ADDED', object: pod('late') }] }), [], "the old watches' events are dropped")
  t.equal(d.state.scheduler.queue.whereIs('uid-late'), undefined)
  d.list([node('n1')], [web])
  const [fresh] = binds(d.take())
  t.match(fresh, { id: 2, pod: { name: 'web' } }, 'the new view, listed before the old bind landed, binds web again')
  t.equal(d.state.inFlightBinds, 2, 'the old bind is still in flight')
  t.same(d.feed({ type: 'bind.answered', id: old!.id, status: 201 }), [{ type: 'pumpSoon' }], 'its answer changes nothing but the count: no Scheduled event')
  t.ok(d.state.scheduler.cache.isAssumed('uid-web'), "the new generation's assumption stands")
  t.equal(d.state.inFlightBinds, 1)
  d.feed({ type: 'bind.answered', id: fresh!.id, status: 409 })
  t.notOk(d.state.scheduler.cache.isAssumed('uid-web'), 'the 409 undoes it; the watch will show web bound')
  t.equal(d.state.inFlightBinds, 0)
})

t.test('scheduler engine step - binds of an old generation keep their slots until answered', async (t) => {
  const d = new Driver()
  d.start([node('n1', { cpu: '1000', pods: 1000 })], pods(MAX_IN_FLIGHT_BINDS, { cpu: '10m' }))
  const old = binds(d.take())
  d.feed({ type: 'watch.ended', generation: 1, message: 'gone' })
  d.list([node('n1', { cpu: '1000', pods: 1000 })], [pod('fresh', { cpu: '10m' })])
  t.same(binds(d.take()), [], 'every slot is still taken')
  d.feed({ type: 'bind.answered', id: old[0]!.id, status: 500 })
  d.settle()
  t.match(binds(d.take()), [{ pod: { name: 'fresh' }, id: MAX_IN_FLIGHT_BINDS + 1 }], 'the new generation binds with a fresh id')
})

t.test('scheduler engine step - wakeups: an assumed pod the watch never confirms expires at its TTL', async (t) => {
  const d = new Driver({ cache: { assumedPodTtlMs: 30_000 } })
  d.start([node('n1', { cpu: '1' })], [pod('a', { cpu: '1' })])
  const [bind] = binds(d.take())
  d.feed({ type: 'bind.answered', id: bind!.id, status: 201 })
  d.settle()
  t.equal(d.wakeupAt, START + 30_000)
  d.feed({ type: 'pods', generation: 1, events: [{ type: 'ADDED', object: pod('b', { cpu: '1' }) }] })
  d.settle()
  t.equal(d.state.scheduler.queue.whereIs('uid-b'), 'unschedulable', 'a holds the room')
  d.take()
  d.advance(29_999)
  t.ok(d.state.scheduler.cache.isAssumed('uid-a'))
  d.advance(1)
  t.notOk(d.state.scheduler.cache.isAssumed('uid-a'), 'expired')
  t.match(binds(d.take()), [{ pod: { name: 'b' }, nodeName: 'n1' }], 'the freed room goes to b')
})

t.test('scheduler engine step - the same seed makes the same decisions', async (t) => {
  const run = (): string[] => {
    const d = new Driver()
    d.start(
      ['n1', 'n2', 'n3', 'n4'].map((n) => node(n)),
      pods(40, { cpu: '100m' }),
    )
    return binds(d.take()).map((b) => `${b.pod.name}->${b.nodeName}`)
  }
  t.same(run(), run())
})

t.test('scheduler engine step - a warm standby follows the watches and decides nothing until it leads, then binds at once', async (t) => {
  const d = new Driver({}, true)
  d.start([node('n1', { cpu: '4' })], [pod('a', { cpu: '1' }), bound(pod('other', { cpu: '1' }), 'n1')])
  d.advance(5000)
  t.same(d.take(), [], 'no bind, no status patch, no event while standing by')
  t.equal(d.wakeupAt, undefined, 'no timer while standing by')
  t.equal(d.state.scheduler.cache.nodeOf('uid-other'), 'n1', "the cache follows the leader's binds")
  d.feed({ type: 'pods', generation: 1, events: [{ type: 'ADDED', object: pod('b', { cpu: '1' }) }] })
  d.settle()
  t.same(d.take(), [], 'a pod created meanwhile waits in the queue')
  t.same(d.feed({ type: 'lead' }), [{ type: 'pumpSoon' }], 'leading asks for a pump, no relist')
  d.settle()
  t.same(
    binds(d.take()).map((b) => b.pod.name).sort(),
    ['a', 'b'],
    'the queued pods bind in the first pump',
  )
})

t.test('scheduler engine step - standby again gives up the binds in flight: assumptions undone, the pods queued again, late answers ignored', async (t) => {
  const d = new Driver({ queue: { initialBackoffMs: 1000 } })
  const a = pod('a', { cpu: '1' })
  d.start([node('n1', { cpu: '1' })], [a])
  const [bindA] = binds(d.take())
  t.ok(d.state.scheduler.cache.isAssumed('uid-a'))
  t.same(d.feed({ type: 'standby' }), [{ type: 'wakeup', at: undefined }])
  t.notOk(d.state.scheduler.cache.isAssumed('uid-a'), 'the assumption is undone: its node has room again')
  t.equal(d.state.inFlightBinds, 0, 'no bind of the ended term counts as in flight')
  t.equal(d.state.scheduler.queue.whereIs('uid-a'), 'backoff', 'a waits to be tried again')
  t.same(d.feed({ type: 'bind.answered', id: bindA!.id, status: 201 }), [], "an answer of the ended term changes nothing")
  t.equal(d.state.inFlightBinds, 0)
  d.feed({ type: 'pods', generation: 1, events: [{ type: 'MODIFIED', object: bound(a, 'n1') }] })
  t.equal(d.state.scheduler.cache.nodeOf('uid-a'), 'n1', 'the watch tells that the bind landed')
  t.equal(d.state.scheduler.queue.whereIs('uid-a'), undefined, 'and a leaves the queue')
  d.advance(2000)
  d.feed({ type: 'lead' })
  d.settle()
  t.same(binds(d.take()), [], 'leading again, nothing is bound twice')
})
