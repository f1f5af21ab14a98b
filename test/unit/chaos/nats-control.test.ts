/**
 * `up`'s leased nats-server kill (runtime/cli/nats-control.ts) on a virtual clock, with a stand-in
 * NATS cluster recording kills and restarts: the servers come back when the lease lapses or on
 * heal, renewals keep them down, a late renewal is refused (never kills again), bad requests are
 * clear errors, and the unleased kill / restart by hand still work.
 */
import t from 'tap'
import { natsControlSubject, serveNatsControl, type ControlledNats } from '../../../runtime/cli/nats-control.ts'
import { decodeEvent, encodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import type { NatsMemberStatus } from '../../../runtime/nats-cluster.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import type { MessageHandler, Transport } from '../../../runtime/transport/transport.ts'

function setUp() {
  const clock = new VirtualClock(1_000_000)
  const actions: string[] = []
  const running = new Set([1, 2, 3])
  const nats: ControlledNats = {
    status: (): NatsMemberStatus[] => [1, 2, 3].map((index) => ({ index, url: `nats://127.0.0.1:${4000 + index}`, running: running.has(index), routes: 0 })),
    kill: async (index) => {
      actions.push(`kill ${index}`)
      running.delete(index)
    },
    restart: async (index) => {
      actions.push(`restart ${index}`)
      running.add(index)
    },
  }
  let handler: MessageHandler | undefined
  const answers: WireEvent[] = []
  const transport: Transport = {
    publish: (_subject, data) => void answers.push(decodeEvent(data) as WireEvent),
    subscribe: (_subject, h) => {
      handler = h
      return { unsubscribe: () => (handler = undefined) }
    },
    flush: async () => {},
    close: async () => {},
    newInbox: () => '_INBOX.test',
  }
  serveNatsControl(transport, 'c1', nats, clock)
  /** A request and its answer (the handler is async: let its promises settle). */
  const ask = async (request: { type: string } & Record<string, unknown>): Promise<WireEvent> => {
    const before = answers.length
    handler!({ subject: natsControlSubject('c1'), data: encodeEvent(request), headers: undefined, reply: '_INBOX.test' })
    for (let i = 0; i < 20 && answers.length === before; i++) await new Promise((resolve) => setImmediate(resolve))
    return answers.at(-1)!
  }
  /** A renewal as the chaos controller sends it: published, no reply wanted. */
  const publish = (request: { type: string } & Record<string, unknown>): void => handler!({ subject: natsControlSubject('c1'), data: encodeEvent(request), headers: undefined, reply: undefined })
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  }
  return { clock, actions, ask, publish, settle }
}

t.test('nats control - a leased kill nobody renews: the servers restart when the lease lapses', async (t) => {
  const { clock, actions, ask, settle } = setUp()
  t.match(await ask({ type: 'nats.kill', indexes: [2], lease: 'l1', ttlMs: 3000 }), { type: 'nats.kill.accepted', indexes: [2], lease: 'l1' })
  await settle()
  t.same(actions, ['kill 2'])
  t.match(await ask({ type: 'nats.status' }), { servers: [{ index: 1, running: true }, { index: 2, running: false }, { index: 3, running: true }], leases: [{ lease: 'l1', indexes: [2], expiresInMs: 3000 }] })
  clock.advance(2999)
  await settle()
  t.same(actions, ['kill 2'], 'still down just before the expiry')
  clock.advance(1)
  await settle()
  t.same(actions, ['kill 2', 'restart 2'])
  t.match(await ask({ type: 'nats.status' }), { leases: [] })
})

t.test('nats control - renewals keep them down; a heal restarts them at once; a late renewal is refused', async (t) => {
  const { clock, actions, ask, publish, settle } = setUp()
  await ask({ type: 'nats.kill', indexes: [1, 3], lease: 'l1', ttlMs: 3000 })
  for (let i = 0; i < 4; i++) {
    clock.advance(2000)
    t.match(await ask({ type: 'nats.renew', lease: 'l1', ttlMs: 3000 }), { type: 'nats.leases', leases: [{ lease: 'l1' }] })
  }
  clock.advance(2000)
  publish({ type: 'nats.renew', lease: 'l1', ttlMs: 3000 })
  await settle()
  clock.advance(2000)
  await settle()
  await settle()
  t.same(actions, ['kill 1', 'kill 3'], 'held 12 s by renewals, the last one published without a reply subject (as the controller renews)')
  t.match(await ask({ type: 'nats.heal', lease: 'l1' }), { type: 'nats.leases', leases: [] })
  t.same(actions, ['kill 1', 'kill 3', 'restart 1', 'restart 3'], 'restarted before the heal is answered')
  t.match(await ask({ type: 'nats.renew', lease: 'l1', ttlMs: 3000 }), { type: 'nats.error', message: 'lease "l1" is not held (it lapsed or was healed)' })
  t.match(await ask({ type: 'nats.heal', lease: 'unknown' }), { type: 'nats.leases', leases: [] }, 'healing an unknown lease is fine')
  t.same(actions, ['kill 1', 'kill 3', 'restart 1', 'restart 3'], 'nothing killed again')
})

t.test('nats control - bad leased requests are clear errors; by hand kill and restart still work', async (t) => {
  const { actions, ask } = setUp()
  t.match(await ask({ type: 'nats.kill', indexes: [4], lease: 'l', ttlMs: 1000 }), { type: 'nats.error', message: 'index must be a nats-server number 1..3, got 4' })
  t.match(await ask({ type: 'nats.kill', indexes: [], lease: 'l', ttlMs: 1000 }), { type: 'nats.error', message: /^indexes: expected a non-empty list/ })
  t.match(await ask({ type: 'nats.kill', indexes: [1], lease: 'l', ttlMs: -1 }), { type: 'nats.error', message: 'ttlMs: expected a non-negative number, got -1' })
  t.match(await ask({ type: 'nats.renew', lease: '', ttlMs: 1000 }), { type: 'nats.error', message: 'lease: expected a non-empty string, got ""' })
  t.same(actions, [], 'nothing killed by a bad request')
  t.match(await ask({ type: 'nats.kill', index: 2 }), { type: 'nats.kill.accepted', index: 2 })
  t.match(await ask({ type: 'nats.restart', index: 2 }), { type: 'nats.restarted', index: 2 })
  t.same(actions, ['kill 2', 'restart 2'])
})
