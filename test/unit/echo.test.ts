import t from 'tap'
import { createActor, fromCallback, SimulatedClock, type AnyActorRef, type AnyEventObject } from 'xstate'
import { echoKind } from '../../actors/echo/echo.kind.ts'
import { ECHO_ACCEPTS, echoMachine } from '../../actors/echo/echo.machine.ts'
import type { ActorInput } from '../../actors/kit/actor-kind.ts'
import type { NetCommand, NetRespond, NetSend } from '../../actors/kit/network.ts'
import { supervisorMachine, type SupervisorEmitted } from '../../actors/kit/supervisor.ts'
import type { EchoOptions } from '../../actors/echo/echo.machine.ts'

/** A stand-in for the host's network child: records commands, and can push inbound events. */
function fakeNetwork() {
  const commands: NetCommand[] = []
  let push: ((event: AnyEventObject) => void) | undefined
  let starts = 0
  const logic = fromCallback<NetCommand>(({ receive, sendBack }) => {
    starts++
    push = sendBack
    receive((command) => commands.push(command))
  })
  return {
    logic,
    commands,
    get starts() {
      return starts
    },
    /** Delivers an event the way the host does: from the network child to its parent. */
    deliver(event: AnyEventObject) {
      if (!push) throw new Error('network not started')
      push(event)
    },
    take(): NetCommand[] {
      return commands.splice(0)
    },
  }
}

/** One-way sends as single messages, whether they went as net.send or inside a net.sendMany. */
function sends(commands: readonly NetCommand[]): NetSend[] {
  return commands.flatMap((c): NetSend[] =>
    c.type === 'net.send' ? [c] : c.type === 'net.sendMany' ? c.events.map((event) => ({ type: 'net.send', to: c.to, event })) : [],
  )
}

function echo(options: EchoOptions = { blastBatch: 512 }) {
  const clock = new SimulatedClock()
  const net = fakeNetwork()
  const input: ActorInput<EchoOptions> = { id: 'e1', host: 'h1', options, env: { now: () => clock.now(), random: () => 0.5 } }
  const actor = createActor(echoMachine.provide({ actors: { network: net.logic } }), { clock, input })
  actor.start()
  return { clock, net, actor }
}

const E2 = { component: 'echo', instance: 'e2' }
const REPORT = { component: 'echo', instance: 'reporter' }

t.test('echo - a ping with replyTo is answered with a pong carrying the count', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.ping', seq: 4, replyTo: '_INBOX.x.1' })
  actor.send({ type: 'echo.ping', seq: 9, replyTo: '_INBOX.x.2 msg-7' })
  t.strictSame(net.take(), [
    { type: 'net.respond', replyTo: '_INBOX.x.1', event: { type: 'echo.pong', seq: 4, by: 'e1', host: 'h1', received: 1 } },
    { type: 'net.respond', replyTo: '_INBOX.x.2 msg-7', event: { type: 'echo.pong', seq: 9, by: 'e1', host: 'h1', received: 2 } },
  ])
})

t.test('echo - events pushed by the network child reach the machine', async (t) => {
  const { net, actor } = echo()
  net.deliver({ type: 'echo.ping', seq: 1, replyTo: 'r1' })
  t.equal(actor.getSnapshot().context.received, 1)
  t.equal((net.take()[0] as NetRespond).replyTo, 'r1')
})

t.test('echo - a one-way ping is counted and not answered', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.ping', seq: 1 })
  t.strictSame(net.take(), [])
  t.equal(actor.getSnapshot().context.received, 1)
  t.equal(actor.getSnapshot().context.lastSeq, 1)
})

t.test('echo - a ping with report sends the pong to the report address', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.ping', seq: 3, report: REPORT })
  t.strictSame(net.take(), [{ type: 'net.send', to: REPORT, event: { type: 'echo.pong', seq: 3, by: 'e1', host: 'h1', received: 1 } }])
})

t.test('echo - stats answers with counters; without replyTo it is ignored', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.stats' })
  t.strictSame(net.take(), [], 'nowhere to answer')
  actor.send({ type: 'echo.stats', replyTo: 'r' })
  t.strictSame(net.take(), [{ type: 'net.respond', replyTo: 'r', event: { type: 'echo.stats', id: 'e1', host: 'h1', received: 0, lastSeq: -1 } }])
  actor.send({ type: 'echo.ping', seq: 5 })
  actor.send({ type: 'echo.ping', seq: 6 })
  actor.send({ type: 'echo.stats', replyTo: 'r' })
  t.match(net.take(), [{ event: { received: 2, lastSeq: 6 } }])
})

t.test('echo - a blast sends count pings in batches, yielding between batches', async (t) => {
  const { clock, net, actor } = echo({ blastBatch: 2 })
  actor.send({ type: 'echo.blast', to: E2, count: 5, report: REPORT, replyTo: 'r' })
  const first = net.take()
  t.strictSame(first[0], { type: 'net.respond', replyTo: 'r', event: { type: 'echo.blast.started', count: 5 } })
  t.strictSame(first.slice(1), [
    { type: 'net.sendMany', to: E2, events: [{ type: 'echo.ping', seq: 0 }, { type: 'echo.ping', seq: 1 }] },
  ], 'first batch at once, as one command')
  t.equal(actor.getSnapshot().value, 'blasting')

  // An inbound ping between batches is answered before the next batch.
  actor.send({ type: 'echo.ping', seq: 100, replyTo: 'p' })
  t.equal(net.take().length, 1)

  clock.increment(0)
  t.strictSame(sends(net.take()).map((c) => c.event), [
    { type: 'echo.ping', seq: 2 },
    { type: 'echo.ping', seq: 3 },
  ])
  clock.increment(0)
  const last = net.take()
  t.strictSame(last, [{ type: 'net.sendMany', to: E2, events: [{ type: 'echo.ping', seq: 4, report: REPORT }] }], 'only the last ping carries report')
  t.equal(actor.getSnapshot().value, 'idle')
  t.equal(actor.getSnapshot().context.blast, undefined)
  clock.increment(1_000)
  t.strictSame(net.take(), [], 'nothing more')
})

t.test('echo - a blast is ignored while another runs, accepted afterwards', async (t) => {
  const { clock, net, actor } = echo({ blastBatch: 1 })
  actor.send({ type: 'echo.blast', to: E2, count: 2 })
  actor.send({ type: 'echo.blast', to: REPORT, count: 50, replyTo: 'r' })
  clock.increment(0)
  const sent = sends(net.take())
  t.strictSame(sent.map((c) => [c.to.instance, c.event.type]), [
    ['e2', 'echo.ping'],
    ['e2', 'echo.ping'],
  ], 'the second blast sent nothing and was not acknowledged')
  actor.send({ type: 'echo.blast', to: REPORT, count: 1 })
  t.strictSame(sends(net.take()).map((c) => c.to.instance), ['reporter'])
})

t.test('echo - blast counts are floored and clamped at zero', async (t) => {
  const cases: Array<[number, number]> = [
    [2.9, 2],
    [0, 0],
    [-5, 0],
  ]
  for (const [count, want] of cases) {
    const { clock, net, actor } = echo({ blastBatch: 10 })
    actor.send({ type: 'echo.blast', to: E2, count })
    clock.increment(0)
    t.equal(sends(net.take()).length, want, `count ${count}`)
    t.equal(actor.getSnapshot().value, 'idle')
  }
})

t.test('echo - payloadBytes puts a zeroed payload of that size on every ping', async (t) => {
  const { net, actor } = echo({ blastBatch: 10 })
  actor.send({ type: 'echo.blast', to: E2, count: 2, payloadBytes: 16 })
  const pings = sends(net.take()).map((c) => c.event as { payload?: Uint8Array })
  t.equal(pings.length, 2)
  for (const ping of pings) t.strictSame(ping.payload, new Uint8Array(16))
})

t.test('echo - crash fails the actor', async (t) => {
  const { actor } = echo()
  actor.subscribe({ error: () => {} })
  actor.send({ type: 'echo.crash', reason: 'drill' })
  const snapshot = actor.getSnapshot()
  t.equal(snapshot.status, 'error')
  t.match(String((snapshot.error as Error).message), 'echo told to crash: drill')
})

t.test('echo - under a supervisor a crash restarts echo with fresh counters and a fresh network', async (t) => {
  const clock = new SimulatedClock()
  const net = fakeNetwork()
  const child = echoMachine.provide({ actors: { network: net.logic } })
  const input: ActorInput<EchoOptions> = { id: 'e1', host: 'h1', options: { blastBatch: 8 }, env: { now: () => clock.now(), random: () => 0 } }
  const supervisor = createActor(supervisorMachine.provide({ actors: { child } }), { clock, input: { childInput: input } })
  const failures: SupervisorEmitted[] = []
  supervisor.on('supervisor.failed', (e) => failures.push(e))
  supervisor.start()
  const echoRef = () => supervisor.getSnapshot().children.child as AnyActorRef
  echoRef().send({ type: 'echo.ping', seq: 1 })
  echoRef().send({ type: 'echo.crash', reason: 'drill' })
  t.match(failures, [{ error: 'Error: echo told to crash: drill' }])
  clock.increment(100)
  t.equal(net.starts, 2, 'the network child was started again')
  echoRef().send({ type: 'echo.stats', replyTo: 'r' })
  t.match(net.take(), [{ event: { type: 'echo.stats', received: 0 } }])
})

t.test('echo - the kind declares what echo accepts and validates options', async (t) => {
  t.equal(echoKind.component, 'echo')
  t.equal(echoKind.accepts, ECHO_ACCEPTS)
  t.strictSame([...ECHO_ACCEPTS].sort(), ['echo.blast', 'echo.crash', 'echo.ping', 'echo.pingpong', 'echo.stats'])
  t.notOk(ECHO_ACCEPTS.has('net.reply'), 'request outcomes cannot be forged from the wire')
  t.notOk(ECHO_ACCEPTS.has('echo.blast.continue'), 'internal events cannot come off the wire')
  t.strictSame(echoKind.parseOptions(undefined), { blastBatch: 512 })
  t.strictSame(echoKind.parseOptions({ blastBatch: 3 }), { blastBatch: 3 })
  t.throws(() => echoKind.parseOptions({ blastBatch: -1 }), { name: 'TypeError', message: /^echo\.blastBatch: / })
  t.throws(() => echoKind.parseOptions('x'), { name: 'TypeError', message: 'echo options: expected a mapping' })
})

t.test('echo - pingpong sends one request at a time and reports the outcome counts', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.pingpong', to: E2, count: 3, timeoutMs: 250, report: REPORT, replyTo: 'r' })
  t.strictSame(net.take(), [
    { type: 'net.respond', replyTo: 'r', event: { type: 'echo.pingpong.started', count: 3 } },
    { type: 'net.request', requestId: 'pp.1.0', to: E2, event: { type: 'echo.ping', seq: 0 }, timeoutMs: 250 },
  ])
  net.deliver({ type: 'net.reply', requestId: 'pp.1.0', event: { type: 'echo.pong', seq: 0 } })
  t.match(net.take(), [{ type: 'net.request', requestId: 'pp.1.1', event: { seq: 1 } }], 'next request only after the reply')
  net.deliver({ type: 'net.failed', requestId: 'pp.1.1', reason: 'timeout', message: 'no reply' })
  t.match(net.take(), [{ type: 'net.request', requestId: 'pp.1.2', event: { seq: 2 } }], 'a failure also moves on')
  net.deliver({ type: 'net.reply', requestId: 'pp.1.2', event: { type: 'echo.pong', seq: 2 } })
  t.strictSame(net.take(), [{ type: 'net.send', to: REPORT, event: { type: 'echo.pingpong.done', by: 'e1', count: 3, replies: 2, failed: 1 } }])
  t.equal(actor.getSnapshot().value, 'idle')
})

t.test('echo - pingpong ignores outcomes that are not for the request in flight', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.pingpong', to: E2, count: 2 })
  t.match(net.take(), [{ type: 'net.request', requestId: 'pp.1.0' }])
  t.notOk('timeoutMs' in (net.commands[0] ?? {}), 'no timeout given: the host default applies')
  net.deliver({ type: 'net.reply', requestId: 'pp.1.1', event: { type: 'echo.pong' } })
  net.deliver({ type: 'net.failed', requestId: 'other', reason: 'timeout', message: '' })
  t.strictSame(net.take(), [], 'nothing moved')
  t.equal(actor.getSnapshot().context.pingpong?.done, 0)
  net.deliver({ type: 'net.reply', requestId: 'pp.1.0', event: { type: 'echo.pong' } })
  net.deliver({ type: 'net.reply', requestId: 'pp.1.0', event: { type: 'echo.pong' } }) // duplicate outcome
  t.match(net.take(), [{ requestId: 'pp.1.1' }], 'the duplicate did not skip a request')
  net.deliver({ type: 'net.reply', requestId: 'pp.1.1', event: { type: 'echo.pong' } })
  t.equal(actor.getSnapshot().value, 'idle')
  t.strictSame(net.take(), [], 'no report address, no report')
})

t.test('echo - a second pingpong run uses fresh request ids, so a late outcome of the first is ignored', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.pingpong', to: E2, count: 1 })
  net.deliver({ type: 'net.failed', requestId: 'pp.1.0', reason: 'timeout', message: '' })
  t.equal(actor.getSnapshot().value, 'idle')
  net.take()
  actor.send({ type: 'echo.pingpong', to: E2, count: 1, report: REPORT })
  t.match(net.take(), [{ type: 'net.request', requestId: 'pp.2.0' }])
  net.deliver({ type: 'net.reply', requestId: 'pp.1.0', event: { type: 'echo.pong' } })
  t.equal(actor.getSnapshot().value, 'pingponging', 'the late reply of run 1 did not count')
  net.deliver({ type: 'net.reply', requestId: 'pp.2.0', event: { type: 'echo.pong' } })
  t.match(net.take(), [{ event: { type: 'echo.pingpong.done', replies: 1, failed: 0 } }])
})

t.test('echo - pingpong of zero (or a count that is not a number) reports at once', async (t) => {
  for (const count of [0, Number.NaN, 'ten' as unknown as number]) {
    const { net, actor } = echo()
    actor.send({ type: 'echo.pingpong', to: E2, count, report: REPORT })
    t.match(net.take(), [{ type: 'net.send', event: { type: 'echo.pingpong.done', count: 0, replies: 0 } }], `count ${String(count)}`)
    t.equal(actor.getSnapshot().value, 'idle')
  }
})

t.test('echo - a blast whose count is not a number sends nothing and leaves echo idle', async (t) => {
  const { clock, net, actor } = echo()
  actor.send({ type: 'echo.blast', to: E2, count: Number.NaN })
  clock.increment(0)
  t.strictSame(net.take(), [])
  t.equal(actor.getSnapshot().value, 'idle')
})

t.test('echo - pings are still answered during a pingpong, and a blast waits for it to end', async (t) => {
  const { net, actor } = echo()
  actor.send({ type: 'echo.pingpong', to: E2, count: 1 })
  net.take()
  actor.send({ type: 'echo.ping', seq: 1, replyTo: 'r' })
  actor.send({ type: 'echo.blast', to: E2, count: 3 })
  t.match(net.take(), [{ type: 'net.respond', event: { type: 'echo.pong' } }], 'pong yes, blast no')
  t.equal(actor.getSnapshot().value, 'pingponging')
})

t.test('echo - a net.batch of pings counts them all in one transition and answers the ones that ask', async (t) => {
  const { net, actor } = echo()
  net.deliver({
    type: 'net.batch',
    events: [
      { type: 'echo.ping', seq: 1 },
      { type: 'echo.ping', seq: 2, replyTo: 'r2' },
      { type: 'echo.ping', seq: 3 },
      { type: 'echo.ping', seq: 4, report: REPORT },
    ],
  })
  t.match(actor.getSnapshot().context, { received: 4, lastSeq: 4 })
  t.strictSame(net.take(), [
    { type: 'net.respond', replyTo: 'r2', event: { type: 'echo.pong', seq: 2, by: 'e1', host: 'h1', received: 2 } },
    { type: 'net.send', to: REPORT, event: { type: 'echo.pong', seq: 4, by: 'e1', host: 'h1', received: 4 } },
  ], 'pongs carry the count as of their own ping')
  net.deliver({ type: 'net.batch', events: [] })
  t.match(actor.getSnapshot().context, { received: 4 }, 'an empty batch changes nothing')
  t.ok(echoKind.batchable?.has('echo.ping'), 'echo declares pings batchable')
})
