import t from 'tap'
import { createActor, fromCallback, SimulatedClock, type AnyEventObject } from 'xstate'
import type { ActorInput } from '../../actors/kit/actor-kind.ts'
import type { NetCommand, NetRespond, NetSend } from '../../actors/kit/network.ts'
import { memberKind } from '../../actors/membership/member.kind.ts'
import { BEAT_TOPIC, livePeers, MEMBER_ACCEPTS, memberMachine, type Beat, type MemberOptions, type Peer } from '../../actors/membership/member.machine.ts'

function member(options: MemberOptions = { intervalMs: 1_000, timeoutMs: 3_500, roles: ['master'] }, startAt = 0) {
  const clock = new SimulatedClock()
  clock.set(startAt)
  const commands: NetCommand[] = []
  let push: ((event: AnyEventObject) => void) | undefined
  const network = fromCallback<NetCommand>(({ receive, sendBack }) => {
    push = sendBack
    receive((command) => commands.push(command))
  })
  const input: ActorInput<MemberOptions> = { id: 'm-h1', host: 'h1', options, env: { now: () => clock.now(), random: () => 0.5 } }
  const actor = createActor(memberMachine.provide({ actors: { network } }), { clock, input })
  actor.start()
  const beats = (): Beat[] => commands.filter((c): c is NetSend => c.type === 'net.send').map((c) => c.event as Beat)
  const view = (): Record<string, Peer> => {
    commands.length = 0
    actor.send({ type: 'member.view', replyTo: 'r' })
    const answer = commands.find((c): c is NetRespond => c.type === 'net.respond')
    if (!answer) throw new Error('no view answer')
    return (answer.event as unknown as { peers: Record<string, Peer> }).peers
  }
  const beatFrom = (host: string, roles: string[] = []) => push!({ type: 'member.beat', host, roles, startedAt: 0, seq: 0 })
  return { clock, actor, commands, beats, view, beatFrom }
}

t.test('member - beats on start, on the beat topic, with host, roles, start time and seq', async (t) => {
  const m = member(undefined, 5_000)
  t.strictSame(m.commands, [
    { type: 'net.send', to: BEAT_TOPIC, event: { type: 'member.beat', host: 'h1', roles: ['master'], startedAt: 5_000, seq: 0 } },
  ])
  t.strictSame(BEAT_TOPIC, { component: 'member', instance: 'all', verb: 'beat' })
})

t.test('member - beats every intervalMs of virtual time with an increasing seq', async (t) => {
  const m = member({ intervalMs: 200, timeoutMs: 700, roles: [] })
  m.clock.increment(199)
  t.equal(m.beats().length, 1, 'not yet')
  m.clock.increment(1)
  t.equal(m.beats().length, 2)
  for (let i = 0; i < 5; i++) m.clock.increment(200)
  t.strictSame(m.beats().map((b) => b.seq), [0, 1, 2, 3, 4, 5, 6])
  t.ok(m.beats().every((b) => b.startedAt === 0), 'startedAt stays the start time')
})

t.test('member - beats from others make them peers, stamped with the local time', async (t) => {
  const m = member()
  m.clock.increment(300)
  m.beatFrom('h2', ['worker'])
  m.clock.increment(200)
  m.beatFrom('h3')
  t.strictSame(m.view(), {
    h2: { roles: ['worker'], startedAt: 0, lastSeen: 300 },
    h3: { roles: [], startedAt: 0, lastSeen: 500 },
  })
})

t.test('member - a peer not heard from within timeoutMs drops out of the view', async (t) => {
  const m = member({ intervalMs: 1_000, timeoutMs: 3_500, roles: [] })
  m.beatFrom('h2')
  m.beatFrom('h3')
  m.clock.increment(2_000)
  m.beatFrom('h3') // h3 keeps beating
  m.clock.increment(1_500)
  t.strictSame(Object.keys(m.view()).sort(), ['h2', 'h3'], 'h2 seen exactly timeoutMs ago is still alive')
  m.clock.increment(1)
  t.strictSame(Object.keys(m.view()), ['h3'], 'h2 expired')
  m.beatFrom('h2')
  t.strictSame(Object.keys(m.view()).sort(), ['h2', 'h3'], 'a new beat brings it back')
})

t.test('member - expired peers are pruned from the context at the next beat', async (t) => {
  const m = member({ intervalMs: 1_000, timeoutMs: 1_500, roles: [] })
  m.beatFrom('h2')
  m.clock.increment(1_000)
  t.ok('h2' in m.actor.getSnapshot().context.peers, 'still alive at the first beat')
  m.clock.increment(1_000)
  t.notOk('h2' in m.actor.getSnapshot().context.peers, 'pruned at the beat after it expired')
})

t.test('member - its own beat, echoed back by the topic, lists itself', async (t) => {
  const m = member()
  m.beatFrom('h1', ['master'])
  t.strictSame(Object.keys(m.view()), ['h1'])
})

t.test('member - view without replyTo is ignored', async (t) => {
  const m = member()
  m.commands.length = 0
  m.actor.send({ type: 'member.view' })
  t.strictSame(m.commands, [])
})

t.test('member - the view answer names the host', async (t) => {
  const m = member()
  m.commands.length = 0
  m.actor.send({ type: 'member.view', replyTo: '_INBOX.c.1 id-1' })
  t.strictSame(m.commands, [{ type: 'net.respond', replyTo: '_INBOX.c.1 id-1', event: { type: 'member.view', host: 'h1', peers: {} } }])
})

t.test('member - livePeers keeps peers seen within timeoutMs (inclusive)', async (t) => {
  const peers: Record<string, Peer> = {
    fresh: { roles: [], startedAt: 0, lastSeen: 1_000 },
    edge: { roles: [], startedAt: 0, lastSeen: 500 },
    stale: { roles: ['x'], startedAt: 0, lastSeen: 499 },
  }
  t.strictSame(Object.keys(livePeers(peers, 1_000, 500)).sort(), ['edge', 'fresh'])
  t.strictSame(livePeers({}, 0, 1), {})
  t.strictSame(Object.keys(peers), ['fresh', 'edge', 'stale'], 'the input is not modified')
})

t.test('member - the kind subscribes to the beat topic and validates options', async (t) => {
  t.equal(memberKind.component, 'member')
  t.equal(memberKind.accepts, MEMBER_ACCEPTS)
  t.strictSame([...MEMBER_ACCEPTS].sort(), ['member.beat', 'member.view'])
  t.strictSame(memberKind.topics?.('m1', { intervalMs: 1, timeoutMs: 1, roles: [] }), [BEAT_TOPIC])
  t.strictSame(memberKind.parseOptions(undefined), { intervalMs: 1_000, timeoutMs: 3_500, roles: [] })
  t.strictSame(memberKind.parseOptions({ intervalMs: 100 }), { intervalMs: 100, timeoutMs: 350, roles: [] }, 'timeout follows the interval')
  t.strictSame(memberKind.parseOptions({ intervalMs: 100, timeoutMs: 1_000, roles: ['master', 'worker'] }), {
    intervalMs: 100,
    timeoutMs: 1_000,
    roles: ['master', 'worker'],
  })
  t.throws(() => memberKind.parseOptions({ roles: ['a', 1] }), { name: 'TypeError', message: 'member.roles: expected a list of strings' })
  t.throws(() => memberKind.parseOptions({ timeoutMs: 0 }), { name: 'TypeError', message: /^member\.timeoutMs: / })
})
