/**
 * Flow control's admission on a simulated clock (`now` is a number the test advances): seats per
 * priority level, fair queues, rejections (queue-full, concurrency-limit, time-out), exempt
 * requests, and the property the levels exist for: Lease renewals never wait behind bulk writes.
 * A seeded random workload checks the bookkeeping's invariants; a failing seed replays.
 */
import t from 'tap'
import { requestAttributes } from '../../../actors/apiserver/http/request-attributes.ts'
import type { FlowRequest } from '../../../actors/apiserver/flowcontrol/classify.ts'
import { CLUSTER_ACTORS_GROUP, DEFAULT_PRIORITY_LEVELS, flowControlConfig, nominalSeats, validateFlowControl, type FlowControlConfig } from '../../../actors/apiserver/flowcontrol/config.ts'
import { FlowControl, type Seat } from '../../../actors/apiserver/flowcontrol/flow-control.ts'
import { dealHand, flowHash } from '../../../actors/apiserver/flowcontrol/shuffle-shard.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { seedsComment, seedsFrom } from '../../helpers/seeds.ts'

const actor = (method: string, path: string): FlowRequest => ({ user: 'system:actor', groups: [CLUSTER_ACTORS_GROUP], attributes: requestAttributes(method, path, {}) })
const createPod = (ns: string) => actor('POST', `/api/v1/namespaces/${ns}/pods`)
const renewLease = (name = 'kube-scheduler') => actor('PUT', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`)
const nodeLease = (node: string) => actor('PUT', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`)
const admin: FlowRequest = { user: 'admin', groups: ['system:masters'], attributes: requestAttributes('POST', '/api/v1/namespaces/a/pods', {}) }

/** total 20: leader-election 2 seats, node-heartbeat 5, workload-high 5, workload-low 11, catch-all 1 (shares 10/40/40/100/5 of 195, rounded up). */
const small = (o: { totalConcurrency?: number; queueWaitMs?: number } = {}) => flowControlConfig({ totalConcurrency: 20, queueWaitMs: 1000, ...o })
const seatsOf = (config: FlowControlConfig, level: string) => nominalSeats(config).get(level)!

t.test('flowcontrol - seats are shares of the total, rounded up', async (t) => {
  t.strictSame(Object.fromEntries(nominalSeats(small())), { 'leader-election': 2, 'node-heartbeat': 5, 'workload-high': 5, 'workload-low': 11, 'catch-all': 1 })
  t.strictSame(Object.fromEntries(nominalSeats(flowControlConfig())), { 'leader-election': 31, 'node-heartbeat': 124, 'workload-high': 124, 'workload-low': 308, 'catch-all': 16 }, "kube-apiserver's 600")
})

t.test('flowcontrol - a level runs up to its seats, queues the rest, and a released seat starts the next', async (t) => {
  const fc = new FlowControl(small())
  const seats = seatsOf(fc.config, 'workload-low')
  const kinds = Array.from({ length: seats + 3 }, (_, i) => fc.admit(i, createPod('bench'), 0).kind)
  t.strictSame(kinds, [...Array<string>(seats).fill('execute'), 'queued', 'queued', 'queued'])
  t.match(fc.counts().find((c) => c.flowSchema === 'workload-low'), { priorityLevel: 'workload-low', executing: seats, waiting: 3, dispatched: seats })
  t.strictSame(fc.release(0).map((s) => s.id), [seats], 'the first queued request takes the freed seat')
  t.strictSame(fc.release(12345), [], 'an unknown id frees nothing')
  t.match(fc.counts().find((c) => c.flowSchema === 'workload-low'), { executing: seats, waiting: 2, dispatched: seats + 1 })
})

t.test('flowcontrol - Lease renewals never wait behind a flood of pod creates', async (t) => {
  const fc = new FlowControl(small())
  let id = 0
  // Every workload-low seat taken and its queues as full as they get.
  while (fc.admit(id++, createPod('bench'), 0).kind !== 'rejected');
  const renewals = [fc.admit(id++, renewLease('kube-scheduler'), 0), fc.admit(id++, renewLease('kube-controller-manager'), 0), fc.admit(id++, nodeLease('node-1'), 0)]
  t.strictSame(renewals.map((a) => [a.kind, a.seat.priorityLevel, a.seat.storePriority]), [
    ['execute', 'leader-election', true],
    ['execute', 'leader-election', true],
    ['execute', 'node-heartbeat', true],
  ])
  t.equal(fc.admit(id++, createPod('bench'), 0).seat.storePriority, false, 'bulk writes are no store priority')
})

t.test('flowcontrol - a full hand of queues rejects with queue-full; one flow cannot fill every queue', async (t) => {
  const config = small()
  const fc = new FlowControl(config)
  const { queues, handSize, queueLengthLimit } = DEFAULT_PRIORITY_LEVELS.find((l) => l.name === 'workload-low')!.queuing!
  let id = 0
  const seats = seatsOf(config, 'workload-low')
  const admitted = { execute: 0, queued: 0, rejected: 0 }
  for (let i = 0; i < seats + handSize * queueLengthLimit + 5; i++) admitted[fc.admit(id++, createPod('bench'), 0).kind]++
  t.strictSame(admitted, { execute: seats, queued: handSize * queueLengthLimit, rejected: 5 }, `one flow holds at most its hand (${handSize} of ${queues} queues) x ${queueLengthLimit}`)
  t.equal(fc.counts().find((c) => c.flowSchema === 'workload-low')!.rejected['queue-full'], 5)
  const other = fc.admit(id++, createPod('other-namespace'), 0)
  t.equal(other.kind, 'queued', 'another flow (namespace) still finds room in its own hand')
})

t.test('flowcontrol - fair queuing: a small flow is served between a big one', async (t) => {
  const fc = new FlowControl(small())
  const seats = seatsOf(fc.config, 'workload-low')
  let id = 0
  for (let i = 0; i < seats; i++) fc.admit(id++, createPod('big'), 0)
  const bigIds = Array.from({ length: 40 }, () => (fc.admit(id, createPod('big'), 0), id++))
  const smallIds = Array.from({ length: 3 }, () => (fc.admit(id, createPod('small'), 0), id++))
  const started: number[] = []
  for (let i = 0; started.length < 12; i++) started.push(...fc.release(i).map((s) => s.id))
  const smallAt = smallIds.map((s) => started.indexOf(s))
  t.ok(smallAt.every((i) => i >= 0 && i < 12), `the small flow's 3 requests started within the first 12 dispatches (at ${smallAt.join(', ')}), not after the big flow's 40`)
  t.ok(started.filter((s) => bigIds.includes(s)).length > 0, 'the big flow is served too')
})

t.test('flowcontrol - a request waiting past the queue wait limit is rejected with time-out', async (t) => {
  const fc = new FlowControl(small({ queueWaitMs: 1000 }))
  const seats = seatsOf(fc.config, 'workload-low')
  for (let i = 0; i < seats; i++) fc.admit(i, createPod('a'), 0)
  fc.admit(100, createPod('a'), 0)
  fc.admit(101, createPod('a'), 400)
  t.equal(fc.nextDeadline(), 1000)
  t.strictSame(fc.expire(999), [], 'nothing is due before its deadline')
  t.strictSame(fc.expire(1000).map((r) => [r.seat.id, r.reason]), [[100, 'time-out']])
  t.equal(fc.nextDeadline(), 1400)
  t.strictSame(fc.release(0).map((s) => s.id), [101], 'the one still waiting takes the next seat')
  t.equal(fc.nextDeadline(), undefined, 'nothing waits')
  t.match(fc.counts().find((c) => c.flowSchema === 'workload-low'), { waiting: 0, rejected: { 'time-out': 1, 'queue-full': 0 } })
})

t.test('flowcontrol - a level without queues rejects at once with concurrency-limit', async (t) => {
  const fc = new FlowControl(small())
  const anonymous = (i: number): FlowRequest => ({ user: `u${i}`, groups: [], attributes: requestAttributes('GET', '/api/v1/pods', {}) })
  t.strictSame([fc.admit(1, anonymous(1), 0).kind, fc.admit(2, anonymous(2), 0).kind], ['execute', 'rejected'], 'catch-all has one seat and no queue')
  t.match(fc.counts().find((c) => c.flowSchema === 'catch-all'), { rejected: { 'concurrency-limit': 1 } })
})

t.test('flowcontrol - exempt requests never wait, even with every other level full', async (t) => {
  const fc = new FlowControl(small())
  let id = 0
  while (fc.admit(id++, createPod('bench'), 0).kind !== 'rejected');
  const kinds = Array.from({ length: 1000 }, () => fc.admit(id++, admin, 0).kind)
  t.ok(kinds.every((k) => k === 'execute'), '1,000 admin requests all execute at once')
  t.match(fc.counts().find((c) => c.flowSchema === 'exempt'), { executing: 1000, waiting: 0 })
  t.equal(fc.seats().get('exempt'), Infinity)
})

t.test('flowcontrol - bad configuration is a RangeError naming the value', async (t) => {
  t.throws(() => flowControlConfig({ totalConcurrency: 0 }), { name: 'RangeError', message: 'flowControl.totalConcurrency: expected a positive integer, got 0' })
  t.throws(() => flowControlConfig({ queueWaitMs: 1.5 }), { name: 'RangeError', message: 'flowControl.queueWaitMs: expected a positive integer, got 1.5' })
  const base = small()
  t.throws(() => validateFlowControl({ ...base, flowSchemas: [{ name: 'x', precedence: 1, priorityLevel: 'nope', subjects: [] }] }), { message: 'flowControl: flow schema "x" names an unknown priority level "nope"' })
  t.throws(() => validateFlowControl({ ...base, priorityLevels: [...base.priorityLevels, base.priorityLevels[1]!] }), { message: 'flowControl: priority level "leader-election" is defined twice' })
  t.throws(() => validateFlowControl({ ...base, priorityLevels: [{ name: 'l', type: 'Limited', nominalConcurrencyShares: 1, queuing: { queues: 4, handSize: 5, queueLengthLimit: 1 } }], flowSchemas: [] }), { message: 'flowControl.l.handSize: expected 1..4 (the queues), got 5' })
})

t.test('flowcontrol - shuffle sharding deals distinct queues in range, the same hand for the same flow', async (t) => {
  for (const [deck, hand] of [[8, 8], [64, 6], [128, 6], [16, 1]] as const) {
    for (let f = 0; f < 200; f++) {
      const cards = dealHand(flowHash(`flow-${f}`), deck, hand)
      if (cards.length !== hand || new Set(cards).size !== hand || cards.some((c) => c < 0 || c >= deck || !Number.isInteger(c))) {
        t.fail(`deck ${deck} hand ${hand} flow-${f}: ${cards.join(',')}`)
        return
      }
    }
  }
  t.strictSame(dealHand(flowHash('workload-low/bench'), 128, 6), dealHand(flowHash('workload-low/bench'), 128, 6), 'deterministic')
  t.notSame(dealHand(flowHash('workload-low/a'), 128, 6), dealHand(flowHash('workload-low/b'), 128, 6), 'another flow, another hand')
  t.throws(() => dealHand(1, 4, 5), { name: 'RangeError' })
})

const SEED_ENV = 'FLOWCONTROL_SEED'
const seeds = seedsFrom(SEED_ENV, [1, 2, 3, 4, 5])

t.test('flowcontrol - random workloads keep the books: seats, waits and counts agree', async (t) => {
  t.comment(seedsComment(SEED_ENV, seeds, import.meta.url))
  for (const seed of seeds) {
    const random = seededRandom(seed)
    const fc = new FlowControl(small({ queueWaitMs: 50 }))
    const seats = nominalSeats(fc.config)
    const requests = [createPod('a'), createPod('b'), createPod('c'), renewLease(), nodeLease('n1'), actor('POST', '/api/v1/namespaces/a/pods/p/binding'), admin]
    const running = new Set<number>()
    const waiting = new Set<number>()
    const levelOf = new Map<number, string>()
    let now = 0
    let problem: string | undefined
    const start = (s: Seat) => {
      if (!waiting.delete(s.id)) problem ??= `${s.id} started without waiting`
      running.add(s.id)
    }
    for (let step = 0; step < 5000 && problem === undefined; step++) {
      now += Math.floor(random() * 5)
      const roll = random()
      if (roll < 0.55) {
        const a = fc.admit(step, requests[Math.floor(random() * requests.length)]!, now)
        levelOf.set(step, a.seat.priorityLevel)
        if (a.kind === 'execute') running.add(step)
        if (a.kind === 'queued') waiting.add(step)
      } else if (roll < 0.95 && running.size > 0) {
        const id = [...running][Math.floor(random() * running.size)]!
        running.delete(id)
        fc.release(id).forEach(start)
      } else {
        for (const r of fc.expire(now)) if (!waiting.delete(r.seat.id)) problem ??= `${r.seat.id} timed out without waiting`
        const next = fc.nextDeadline()
        if (next !== undefined && next <= now) problem ??= `step ${step}: deadline ${next} still waiting after expire(${now})`
      }
      for (const [level, limit] of seats) {
        const n = [...running].filter((id) => levelOf.get(id) === level).length
        if (n > limit) problem ??= `step ${step}: ${n} running at ${level}, over its ${limit} seats`
      }
      const counted = fc.counts().reduce((acc, c) => ({ executing: acc.executing + c.executing, waiting: acc.waiting + c.waiting }), { executing: 0, waiting: 0 })
      if (counted.executing !== running.size || counted.waiting !== waiting.size) problem ??= `step ${step}: counts say ${JSON.stringify(counted)}, the test saw ${running.size} running and ${waiting.size} waiting`
    }
    t.equal(problem, undefined, `seed ${seed}`)
    const rejected = fc.counts().reduce((n, c) => n + c.rejected['time-out'] + c.rejected['queue-full'] + c.rejected['concurrency-limit'], 0)
    t.ok(rejected > 0 && fc.counts().some((c) => c.dispatched > seats.get(c.priorityLevel)!), `seed ${seed}: the workload queued past the seats and was rejected ${rejected} times`)
  }
})
