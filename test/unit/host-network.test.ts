import t from 'tap'
import { pack } from 'msgpackr'
import { assign, createActor, sendTo, setup } from 'xstate'
import type { ActorKind } from '../../actors/kit/actor-kind.ts'
import { NETWORK, respond, type NetOutcome, type NetRequest } from '../../actors/kit/network.ts'
import { placeholderNetwork } from '../../actors/kit/placeholder-network.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { HostNetwork, MSG_ID_HEADER, REFUSED } from '../../runtime/host/host-network.ts'
import { silentLogger } from '../../runtime/log.ts'
import { noMetrics, type DropReason, type HostMetrics } from '../../runtime/metrics.ts'
import { Simulation } from '../../runtime/sim/simulation.ts'
import { chaosSubject, subjectFor } from '../../runtime/subjects.ts'
import { disabledTracing } from '../../runtime/telemetry.ts'
import { Requester } from '../../runtime/transport/requester.ts'
import type { Headers } from '../../runtime/transport/transport.ts'
import { flush } from '../helpers/flush.ts'

const E1 = subjectFor('c1', { component: 'echo', instance: 'e1' })
const M1 = subjectFor('c1', { component: 'member', instance: 'm1' })
const ASK_TIMEOUT_MS = 50

/** One host (echo e1, member m1) on a simulation, and a raw client outside it. */
function world(seed = 1) {
  const sim = new Simulation(seed, { minLatencyMs: 1, maxLatencyMs: 1 })
  const host = sim.addHost({
    host: 'h1',
    maxMessageBytes: 256,
    actors: [
      { kind: 'echo', id: 'e1' },
      { kind: 'member', id: 'm1', options: { intervalMs: 1_000 } },
    ],
  })
  const client = sim.client('client')
  const requester = new Requester(client, sim.clock)
  /** Sends a request and runs virtual time until it must have settled; returns the decoded reply. */
  const ask = async (subject: string, data: Uint8Array, headers?: Headers): Promise<WireEvent> => {
    const reply = requester.request(subject, data, { timeoutMs: ASK_TIMEOUT_MS, ...(headers ? { headers } : {}) })
    await sim.runFor(ASK_TIMEOUT_MS + 1)
    const decoded = decodeEvent((await reply).data)
    if (decoded instanceof DecodeFailure) throw new Error(`reply did not decode: ${decoded.reason}`)
    return decoded
  }
  const stats = async () => ask(E1, encodeEvent({ type: 'echo.stats' }))
  /** Messages the host published to the client's reply inboxes. */
  const repliesFromHost = () => sim.trace.filter((m) => m.from === 'h1' && m.subject.startsWith('_INBOX.client'))
  return { sim, host, client, requester, ask, stats, repliesFromHost }
}

t.test('host-network - a request reaches the actor and the reply comes back', async (t) => {
  const w = world()
  t.match(await w.ask(E1, encodeEvent({ type: 'echo.ping', seq: 1 })), { type: 'echo.pong', seq: 1, by: 'e1', host: 'h1', received: 1 })
})

t.test('host-network - bad bodies are refused with net.refused and the actor is unaffected', async (t) => {
  const w = world()
  const cases: Array<[string, Uint8Array, DropReason]> = [
    ['reserved byte', new Uint8Array([0xc1]), 'malformed'],
    ['truncated msgpack', new Uint8Array([0x82, 0xa4]), 'malformed'],
    ['oversized', encodeEvent({ type: 'echo.ping', seq: 1, payload: new Uint8Array(300) }), 'oversized'],
    ['number', pack(42), 'not-an-event'],
    ['array', pack([{ type: 'echo.ping' }]), 'not-an-event'],
    ['object without type', pack({ seq: 1 }), 'not-an-event'],
    ['empty type', pack({ type: '' }), 'not-an-event'],
    ['unknown type', encodeEvent({ type: 'echo.nope' }), 'unknown-type'],
    ['another kind’s event', encodeEvent({ type: 'member.view' }), 'unknown-type'],
    ['internal event', encodeEvent({ type: 'echo.blast.continue' }), 'unknown-type'],
    ['forged request outcome', encodeEvent({ type: 'net.reply', requestId: 'pp.1.0', event: { type: 'x' } }), 'unknown-type'],
  ]
  for (const [name, data, reason] of cases) {
    const answer = await w.ask(E1, data)
    t.equal(answer.type, REFUSED, `${name}: refused`)
    t.equal(answer.reason, reason, `${name}: reason`)
    t.type(answer.message, 'string')
  }
  t.match(await w.stats(), { type: 'echo.stats', received: 0, lastSeq: -1 }, 'nothing was counted, and echo still answers')
  t.match(await w.ask(E1, encodeEvent({ type: 'echo.ping', seq: 5 })), { type: 'echo.pong', received: 1 })
  t.equal(w.host.restarts('echo/e1'), 0, 'echo never crashed')
})

t.test('host-network - a bad one-way message is dropped without any answer', async (t) => {
  const w = world()
  w.client.publish(E1, new Uint8Array([0xc1]))
  w.client.publish(E1, encodeEvent({ type: 'echo.nope' }))
  await w.sim.runFor(10)
  t.equal(w.repliesFromHost().length, 0)
  t.match(await w.stats(), { received: 0 })
})

t.test('host-network - a flood of bad messages does not disturb the actor', async (t) => {
  const w = world()
  for (let i = 0; i < 500; i++) {
    w.client.publish(E1, i % 2 ? new Uint8Array([0xc1, i & 0xff]) : encodeEvent({ type: 'echo.nope', i }))
    if (i % 100 === 0) w.client.publish(E1, encodeEvent({ type: 'echo.ping', seq: i }))
  }
  await w.sim.runFor(10)
  t.match(await w.stats(), { received: 5, lastSeq: 400 })
})

t.test('host-network - a request retried with the same message id is acted on once', async (t) => {
  const w = world()
  const ping = encodeEvent({ type: 'echo.ping', seq: 1 })
  const first = await w.ask(E1, ping, { [MSG_ID_HEADER]: 'client-1.0' })
  const retry = await w.ask(E1, ping, { [MSG_ID_HEADER]: 'client-1.0' })
  t.match(first, { type: 'echo.pong', received: 1 })
  t.strictSame(retry, first, 'the retry gets the cached reply')
  const replies = w.repliesFromHost()
  t.equal(replies.length, 2)
  t.strictSame(replies[1]!.data, replies[0]!.data, 'byte for byte')
  t.match(await w.stats(), { received: 1 }, 'the actor saw the ping once')
  t.match(await w.ask(E1, ping, { [MSG_ID_HEADER]: 'client-1.1' }), { received: 2 }, 'a new id is a new request')
  w.client.publish(E1, ping, { headers: { [MSG_ID_HEADER]: 'client-1.1' } })
  await w.sim.runFor(5)
  t.match(await w.stats(), { received: 2 }, 'a one-way duplicate is dropped too')
})

t.test('host-network - two copies of a request queued while paused: the second gets the first reply', async (t) => {
  const w = world()
  w.host.network.pause('echo/e1')
  const ping = encodeEvent({ type: 'echo.ping', seq: 1 })
  const a = w.requester.request(E1, ping, { timeoutMs: 1_000, headers: { [MSG_ID_HEADER]: 'x' } })
  const b = w.requester.request(E1, ping, { timeoutMs: 1_000, headers: { [MSG_ID_HEADER]: 'x' } })
  await w.sim.runFor(10)
  w.host.network.resume('echo/e1')
  await w.sim.runFor(10)
  t.strictSame((await a).data, (await b).data)
  t.match(await w.stats(), { received: 1 })
})

t.test('host-network - pause buffers inbound messages; resume delivers them in order', async (t) => {
  const w = world()
  w.host.network.pause('echo/e1')
  w.host.network.pause('echo/e1') // idempotent
  t.strictSame(w.host.network.pausedActors, ['echo/e1'])
  const replies = [1, 2, 3].map((seq) => w.requester.request(E1, encodeEvent({ type: 'echo.ping', seq }), { timeoutMs: 10_000 }))
  const settled: number[] = []
  replies.forEach((p, i) => p.then(() => settled.push(i)))
  await w.sim.runFor(500)
  await flush()
  t.strictSame(settled, [], 'no reply while paused')
  t.equal(w.repliesFromHost().length, 0)
  t.match(await w.ask(M1, encodeEvent({ type: 'member.view' })), { type: 'member.view' }, 'other actors on the host keep running')

  w.host.network.resume('echo/e1')
  t.strictSame(w.host.network.pausedActors, [])
  await w.sim.runFor(10)
  const pongs = await Promise.all(replies.map(async (p) => decodeEvent((await p).data) as WireEvent))
  t.strictSame(pongs.map((p) => [p.seq, p.received]), [
    [1, 1],
    [2, 2],
    [3, 3],
  ], 'delivered in arrival order')
  w.host.network.resume('echo/e1') // resuming a running actor is a no-op
  t.match(await w.stats(), { received: 3 })
})

t.test('host-network - commands an actor issues while paused go out on resume', async (t) => {
  const w = world()
  const BEATS = 'ak.c1.member.all.beat'
  const beatTimes = () => w.sim.trace.filter((m) => m.from === 'h1' && m.subject === BEATS).map((m) => m.at)
  t.strictSame(beatTimes(), [0], 'beat on start')
  w.host.network.pause('member/m1')
  await w.sim.runFor(2_500) // the member's timer still fires at 1000 and 2000, but its beats are held
  t.strictSame(beatTimes(), [0])
  w.host.network.resume('member/m1')
  t.strictSame(beatTimes(), [0, 2_500, 2_500], 'both held beats go out on resume')
  const seqs = w.sim.trace.filter((m) => m.subject === BEATS).map((m) => (decodeEvent(m.data) as WireEvent).seq)
  t.strictSame(seqs, [0, 1, 2], 'in the order they were issued')
})

t.test('host-network - chaos commands apply and answer with the host status', async (t) => {
  const w = world()
  const chaos = chaosSubject('c1', 'h1')
  const rule = { id: 'r1', kind: 'drop', subject: 'ak.c1.probe.>', probability: 0.5 }
  t.strictSame(await w.ask(chaos, encodeEvent({ type: 'chaos.fault', rule })), {
    type: 'chaos.status',
    host: 'h1',
    roles: [],
    actors: ['echo/e1', 'member/m1'],
    rules: [{ ...rule, delayMs: 0, jitterMs: 0 }],
    partitionedFrom: [],
    paused: [],
    leases: [],
  })
  t.strictSame(w.host.faults.rules.map((r) => r.id), ['r1'])
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.partition', groups: [['h1'], ['h2', 'h3']] })), { partitionedFrom: ['h2', 'h3'] })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.pause', actor: 'echo/e1' })), { paused: ['echo/e1'] })
  t.strictSame(w.host.network.pausedActors, ['echo/e1'])
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.resume', actor: 'echo/e1' })), { paused: [] })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.heal' })), { partitionedFrom: [] })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.clear', id: 'r1' })), { rules: [] })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.status' })), { type: 'chaos.status', host: 'h1', rules: [] })
})

t.test('host-network - a leased fault lifts itself on the host clock unless renewed; a heal lifts it at once', async (t) => {
  const w = world()
  const chaos = chaosSubject('c1', 'h1')
  const grant = (lease: string, ttlMs: number) => w.ask(chaos, encodeEvent({ type: 'chaos.lease.grant', lease, ttlMs, fault: { kind: 'message', rule: { kind: 'drop', subject: 'ak.c1.probe.>' } } }))
  t.match(await grant('x/a/1', 3000), { rules: [{ id: 'x/a/1', kind: 'drop' }], leases: [{ id: 'x/a/1', kind: 'message' }] })
  for (let i = 0; i < 4; i++) {
    await w.sim.runFor(1000)
    t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.lease.renew', lease: 'x/a/1', ttlMs: 3000 })), { rules: [{ id: 'x/a/1' }] })
  }
  t.strictSame(w.host.faults.rules.map((r) => r.id), ['x/a/1'], 'renewed every second: still in force after 4 s of a 3 s lease')
  await w.sim.runFor(3001)
  t.strictSame(w.host.faults.rules, [], 'not renewed for a lease: lifted by the host itself')
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.lease.renew', lease: 'x/a/1', ttlMs: 3000 })), { type: 'chaos.error', message: 'lease "x/a/1" is not held (it lapsed or was healed)' })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.lease.grant', lease: 'x/p/1', ttlMs: 60_000, fault: { kind: 'pause', actor: 'echo/e1' } })), { paused: ['echo/e1'] })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.lease.heal', lease: 'x/p/1' })), { paused: [], leases: [] })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.lease.grant', lease: 'x/q/1', ttlMs: 1000, fault: { kind: 'pause', actor: 'echo/typo' } })), { type: 'chaos.error', message: /^fault\.actor: expected one of / })
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.kill' })), { type: 'chaos.error', message: 'this host has no process of its own to kill' })
})

t.test('host-network - bad chaos commands get chaos.error and change nothing', async (t) => {
  const w = world()
  const chaos = chaosSubject('c1', 'h1')
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['bad rule kind', encodeEvent({ type: 'chaos.fault', rule: { kind: 'explode', subject: 'x' } }), /^rule\.kind: /],
    ['missing rule', encodeEvent({ type: 'chaos.fault' }), /^rule: expected an object/],
    ['bad partition', encodeEvent({ type: 'chaos.partition', groups: [['h1']] }), /^groups: /],
    ['pause without actor', encodeEvent({ type: 'chaos.pause' }), /^actor: expected one of .*echo\/e1.*, got undefined/],
    ['pause of an actor this host does not run', encodeEvent({ type: 'chaos.pause', actor: 'echo/typo' }), /^actor: expected one of .*, got "echo\/typo"/],
    ['unknown command', encodeEvent({ type: 'chaos.explode' }), /^unknown chaos command "chaos.explode"/],
    ['malformed body', new Uint8Array([0xc1]), /^malformed: /],
    ['not an event', pack('chaos.heal'), /^not-an-event: /],
  ]
  for (const [name, data, message] of cases) {
    const answer = await w.ask(chaos, data)
    t.equal(answer.type, 'chaos.error', name)
    t.equal(answer.host, 'h1', `${name}: names the host`)
    t.match(answer.message, message, `${name}: message`)
  }
  t.strictSame(w.host.faults.rules, [])
  t.strictSame(w.host.faults.partitionedFrom, [])
})

t.test('host-network - no fault can cut off the chaos command that heals it', async (t) => {
  const w = world()
  const chaos = chaosSubject('c1', 'h1')
  await w.ask(chaos, encodeEvent({ type: 'chaos.fault', rule: { kind: 'drop', subject: '>' } }))
  await w.ask(chaos, encodeEvent({ type: 'chaos.partition', groups: [['h1'], ['client']] }))
  const ping = w.requester.request(E1, encodeEvent({ type: 'echo.ping', seq: 1 }), { timeoutMs: 20 })
  ping.catch(() => undefined) // it rejects while virtual time runs; t.rejects below judges it
  await w.sim.runFor(30)
  await t.rejects(ping, { name: 'RequestTimeoutError' }, 'the drop-everything rule is in force')
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.clear' })), { rules: [] }, 'yet the clear command is answered')
  t.match(await w.ask(chaos, encodeEvent({ type: 'chaos.heal' })), { partitionedFrom: [] })
  t.match(await w.ask(E1, encodeEvent({ type: 'echo.ping', seq: 2 })), { type: 'echo.pong', seq: 2 })
})

t.test('host-network - a cluster-wide chaos command reaches every host', async (t) => {
  const w = world()
  const h2 = w.sim.addHost({ host: 'h2', actors: [{ kind: 'echo', id: 'e2' }] })
  w.client.publish(chaosSubject('c1'), encodeEvent({ type: 'chaos.fault', rule: { id: 'all', kind: 'delay', subject: '>', delayMs: 5 } }))
  await w.sim.runFor(10)
  t.strictSame(w.host.faults.rules.map((r) => r.id), ['all'])
  t.strictSame(h2.faults.rules.map((r) => r.id), ['all'])
  t.equal(w.repliesFromHost().length, 0, 'a one-way command gets no answer')
})

t.test('host-network - after stop the host no longer answers', async (t) => {
  const w = world()
  await w.host.stop()
  const ping = w.requester.request(E1, encodeEvent({ type: 'echo.ping', seq: 1 }), { timeoutMs: 20 })
  ping.catch(() => undefined) // it rejects while virtual time runs; t.rejects below judges it
  await w.sim.runFor(30)
  await t.rejects(ping, { name: 'NoRespondersError' })
})

// ---- requests that actors make, through HostNetwork directly ----

interface ProbeContext {
  readonly outcomes: NetOutcome[]
}

const probeMachine = setup({
  types: { context: {} as ProbeContext, events: {} as { type: 'go'; command: NetRequest } | NetOutcome },
  actors: { network: placeholderNetwork },
}).createMachine({
  context: { outcomes: [] },
  invoke: { id: NETWORK, src: 'network' },
  on: {
    go: { actions: sendTo(NETWORK, ({ event }) => event.command) },
    'net.reply': { actions: assign({ outcomes: ({ context, event }) => [...context.outcomes, event] }) },
    'net.failed': { actions: assign({ outcomes: ({ context, event }) => [...context.outcomes, event] }) },
  },
})

const probeKind: ActorKind = { component: 'probe', logic: probeMachine, accepts: new Set(), parseOptions: () => ({}) }

function recordingMetrics() {
  const dropped: DropReason[] = []
  const metrics: HostMetrics = { ...noMetrics, dropped: (reason) => dropped.push(reason) }
  return { metrics, dropped }
}

/** A second host's network edge on the simulation's bus, recording what it drops. */
function extraHostNetwork(w: ReturnType<typeof world>, host: string, maxMessageBytes: number) {
  const transport = w.sim.client(host)
  const { metrics, dropped } = recordingMetrics()
  const network = new HostNetwork({
    cluster: 'c1',
    host,
    transport,
    requester: new Requester(transport, w.sim.clock),
    clock: w.sim.clock,
    log: silentLogger,
    metrics,
    tracing: disabledTracing,
    maxMessageBytes,
    incarnation: `${host}-1`,
  })
  return { network, dropped }
}

/** A probe actor on its own HostNetwork next to a simulated host carrying echo e1. */
function probeWorld() {
  const w = world()
  const { network, dropped } = extraHostNetwork(w, 'probe-host', 256)
  const actor = createActor(probeMachine.provide({ actors: { network: network.logicFor(probeKind, 'probe/p', 'p', {}) } }), { clock: w.sim.clock })
  actor.start()
  const go = (command: Omit<NetRequest, 'type' | 'event'> & { event: WireEvent }) => actor.send({ type: 'go', command: { type: 'net.request', ...command } })
  /** Runs virtual time in small steps, letting the host network's promise chains move between them. */
  const run = async (ms: number) => {
    for (let i = 0; i < ms; i++) {
      await w.sim.runFor(1)
      await flush()
    }
  }
  const outcomes = () => actor.getSnapshot().context.outcomes
  return { ...w, network, actor, go, run, outcomes, dropped }
}

const echoAddress = { component: 'echo', instance: 'e1' }

t.test('host-network - an actor request resolves to net.reply', async (t) => {
  const p = probeWorld()
  p.go({ requestId: 'q1', to: echoAddress, event: { type: 'echo.ping', seq: 9 } })
  await p.run(10)
  t.match(p.outcomes(), [{ type: 'net.reply', requestId: 'q1', event: { type: 'echo.pong', seq: 9 } }])
})

t.test('host-network - a refused actor request resolves to net.failed refused', async (t) => {
  const p = probeWorld()
  p.go({ requestId: 'q1', to: echoAddress, event: { type: 'echo.nope' } })
  await p.run(10)
  t.match(p.outcomes(), [{ type: 'net.failed', requestId: 'q1', reason: 'refused', message: /not one echo accepts/ }])
})

t.test('host-network - a request nobody serves fails as no-responders after its retries', async (t) => {
  const p = probeWorld()
  p.go({ requestId: 'q1', to: { component: 'echo', instance: 'ghost' }, event: { type: 'echo.ping', seq: 1 }, attempts: 2 })
  await p.run(50)
  t.strictSame(p.outcomes(), [], 'waiting 100 ms before the second try')
  await p.run(100)
  t.match(p.outcomes(), [{ type: 'net.failed', requestId: 'q1', reason: 'no-responders' }])
})

t.test('host-network - timed-out tries are retried with one message id, so the receiver acts once', async (t) => {
  const p = probeWorld()
  // Echo's host drops every reply: each try reaches echo, no answer comes back.
  p.host.faults.setRule({ id: 'no-replies', kind: 'drop', subject: '_INBOX.>', probability: 1, delayMs: 0, jitterMs: 0 })
  p.go({ requestId: 'q1', to: echoAddress, event: { type: 'echo.ping', seq: 1 }, timeoutMs: 40, attempts: 3 })
  await p.run(110)
  t.strictSame(p.outcomes(), [], 'still trying after two timeouts')
  await p.run(20)
  t.match(p.outcomes(), [{ type: 'net.failed', requestId: 'q1', reason: 'timeout', message: /within 40 ms \(3 attempt\(s\)\)/ }])
  const tries = p.sim.trace.filter((m) => m.from === 'probe-host' && m.subject === E1)
  t.equal(tries.length, 3, 'three tries went out')
  p.host.faults.clearRules()
  t.match(await p.stats(), { received: 1 }, 'echo acted on the first try only')
})

t.test('host-network - an actor message too large to encode is dropped, and a request fails as refused', async (t) => {
  const p = probeWorld()
  p.go({ requestId: 'big', to: echoAddress, event: { type: 'echo.ping', payload: new Uint8Array(1_000) } })
  await p.run(5)
  t.match(p.outcomes(), [{ type: 'net.failed', requestId: 'big', reason: 'refused' }])
  t.strictSame(p.dropped, ['encode-failed'])
})

t.test('host-network - a request to an invalid address fails as refused instead of crashing', async (t) => {
  const p = probeWorld()
  p.go({ requestId: 'bad', to: { component: 'echo', instance: 'a.b' }, event: { type: 'echo.ping', seq: 1 } })
  await p.run(5)
  t.match(p.outcomes(), [{ type: 'net.failed', requestId: 'bad', reason: 'refused' }])
  t.strictSame(p.dropped, ['invalid'])
  t.equal(p.actor.getSnapshot().status, 'active')
})

t.test('host-network - an invalid report address from the wire is dropped and echo keeps running', async (t) => {
  const w = world()
  w.client.publish(E1, encodeEvent({ type: 'echo.ping', seq: 1, report: { component: 'echo', instance: '*' } }))
  await w.sim.runFor(5)
  t.match(await w.stats(), { received: 1 })
  t.equal(w.host.restarts('echo/e1'), 0)
})

const slowMachine = setup({
  types: { context: {} as { replyTo: string | undefined; asked: number }, events: {} as { type: 'slow.ask'; replyTo?: string } | { type: 'answer' } },
  actors: { network: placeholderNetwork },
}).createMachine({
  context: { replyTo: undefined, asked: 0 },
  invoke: { id: NETWORK, src: 'network' },
  on: {
    'slow.ask': { actions: assign({ replyTo: ({ event }) => event.replyTo, asked: ({ context }) => context.asked + 1 }) },
    answer: { actions: sendTo(NETWORK, ({ context }) => respond(context.replyTo!, { type: 'slow.answer' })) },
  },
})

t.test('host-network - a retry while the first copy is still being handled is dropped; later ones get the reply', async (t) => {
  const w = world()
  const { network, dropped } = extraHostNetwork(w, 'slow-host', 1_024)
  const kind: ActorKind = { component: 'slow', logic: slowMachine, accepts: new Set(['slow.ask']), parseOptions: () => ({}) }
  const actor = createActor(slowMachine.provide({ actors: { network: network.logicFor(kind, 'slow/s', 's', {}) } }), { clock: w.sim.clock })
  actor.start()
  const subject = subjectFor('c1', { component: 'slow', instance: 's' })
  const ask = encodeEvent({ type: 'slow.ask' })
  const headers = { [MSG_ID_HEADER]: 'm-1' }
  const first = w.requester.request(subject, ask, { timeoutMs: 1_000, headers })
  await w.sim.runFor(5)
  const retry = w.requester.request(subject, ask, { timeoutMs: 30, headers })
  retry.catch(() => undefined) // it rejects while virtual time runs; t.rejects below judges it
  await w.sim.runFor(5)
  t.equal(actor.getSnapshot().context.asked, 1, 'the retry did not reach the actor')
  t.strictSame(dropped, ['duplicate'])
  actor.send({ type: 'answer' })
  await w.sim.runFor(5)
  t.match(decodeEvent((await first).data), { type: 'slow.answer' })
  await w.sim.runFor(30)
  await t.rejects(retry, { name: 'RequestTimeoutError' }, 'the in-progress retry was not answered')
  const late = w.requester.request(subject, ask, { timeoutMs: 30, headers })
  await w.sim.runFor(5)
  t.match(decodeEvent((await late).data), { type: 'slow.answer' }, 'a retry after the answer gets it from the cache')
  t.equal(actor.getSnapshot().context.asked, 1)
})
