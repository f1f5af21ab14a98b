/**
 * `up`'s host control subject (runtime/cli/host-control.ts) on a virtual clock, with the signals
 * recorded instead of sent: a stop is leased, `up` continues the host when the lease lapses or on
 * heal, a late renewal is refused, a host that is not running is a clear error, and `up` stopping
 * continues every stopped host.
 */
import t from 'tap'
import { hostControlSubject, serveHostControl } from '../../../runtime/cli/host-control.ts'
import { decodeEvent, encodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import type { MessageHandler, Transport } from '../../../runtime/transport/transport.ts'

/** Delivers requests straight to the one subscriber and keeps the answers. */
function setUp(pids: Record<string, number> = { 'worker-1': 101, 'worker-2': 102 }) {
  const clock = new VirtualClock(1_000_000)
  const signals: string[] = []
  let handler: MessageHandler | undefined
  const answers: WireEvent[] = []
  const transport: Transport = {
    publish: (_subject, data) => void answers.push(decodeEvent(data) as WireEvent),
    subscribe: (subject, h) => {
      if (subject !== hostControlSubject('c1')) throw new Error(`unexpected subscription ${subject}`)
      handler = h
      return { unsubscribe: () => (handler = undefined) }
    },
    flush: async () => {},
    close: async () => {},
    newInbox: () => '_INBOX.test',
  }
  const control = serveHostControl({ transport, cluster: 'c1', clock, pidOf: (host) => pids[host], signal: (pid, signal) => void signals.push(`${signal} ${pid}`) })
  const ask = (request: { type: string } & Record<string, unknown>): WireEvent => {
    handler!({ subject: hostControlSubject('c1'), data: encodeEvent(request), headers: undefined, reply: '_INBOX.test' })
    return answers.at(-1)!
  }
  return { clock, signals, ask, control }
}

t.test('a stop nobody renews: SIGSTOP, then SIGCONT when its lease lapses', async (t) => {
  const { clock, signals, ask } = setUp()
  t.match(ask({ type: 'hosts.stop', host: 'worker-1', lease: 'l1', ttlMs: 3000 }), { type: 'hosts.status', stopped: [{ lease: 'l1', host: 'worker-1', expiresInMs: 3000 }] })
  t.same(signals, ['SIGSTOP 101'])
  clock.advance(2999)
  t.same(signals, ['SIGSTOP 101'], 'still stopped just before the expiry')
  clock.advance(1)
  t.same(signals, ['SIGSTOP 101', 'SIGCONT 101'])
  t.match(ask({ type: 'hosts.status' }), { stopped: [] })
})

t.test('renewals keep it stopped; a heal continues it at once; a late renewal is refused', async (t) => {
  const { clock, signals, ask } = setUp()
  ask({ type: 'hosts.stop', host: 'worker-2', lease: 'l2', ttlMs: 3000 })
  for (let i = 0; i < 5; i++) {
    clock.advance(1000)
    t.match(ask({ type: 'hosts.renew', lease: 'l2', ttlMs: 3000 }), { type: 'hosts.status' })
  }
  t.same(signals, ['SIGSTOP 102'], 'five renewals over 5 s: never continued')
  ask({ type: 'hosts.heal', lease: 'l2' })
  t.same(signals, ['SIGSTOP 102', 'SIGCONT 102'])
  t.match(ask({ type: 'hosts.renew', lease: 'l2', ttlMs: 3000 }), { type: 'hosts.error', message: 'lease "l2" is not held (it lapsed or was healed)' })
  clock.advance(10_000)
  t.same(signals, ['SIGSTOP 102', 'SIGCONT 102'], 'nothing more happens')
})

t.test('bad requests are clear errors and signal nothing', async (t) => {
  const { signals, ask } = setUp()
  t.match(ask({ type: 'hosts.stop', host: 'master-9', lease: 'l', ttlMs: 1000 }), { type: 'hosts.error', message: 'host "master-9" is not running' })
  t.match(ask({ type: 'hosts.stop', host: 'worker-1', lease: 'l', ttlMs: -1 }), { type: 'hosts.error', message: 'ttlMs: expected a non-negative number, got -1' })
  t.match(ask({ type: 'hosts.stop', host: 'worker-1', ttlMs: 1000 }), { type: 'hosts.error', message: 'lease: expected a non-empty string' })
  t.match(ask({ type: 'hosts.freeze' }), { type: 'hosts.error', message: /^unknown request type "hosts.freeze"/ })
  t.same(signals, [])
})

t.test('a restart is a SIGTERM (up starts the host again); up stopping continues every stopped host', async (t) => {
  const { signals, ask, control } = setUp()
  ask({ type: 'hosts.restart', host: 'worker-1' })
  ask({ type: 'hosts.stop', host: 'worker-2', lease: 'l', ttlMs: 60_000 })
  control.close()
  t.same(signals, ['SIGTERM 101', 'SIGSTOP 102', 'SIGCONT 102'])
})
