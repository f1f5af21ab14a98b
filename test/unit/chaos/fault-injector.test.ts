/**
 * The fault injector resuming a fault a controller took over (`inject` with `resume`): a leased
 * fault is granted again under the same lease on the targets still running, `up`'s host-stop lease
 * is granted again, and a one-shot kind (host-kill, host-restart, pod-kill) is not carried out a
 * second time, while a first inject of it is. Every request is answered at once and recorded.
 */
import t from 'tap'
import type { PlannedFault } from '../../../actors/chaos/experiment-plan.ts'
import type { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import type { KnownHost } from '../../../runtime/chaos/chaos-targets.ts'
import { FaultInjector } from '../../../runtime/chaos/fault-injector.ts'
import { hostControlSubject } from '../../../runtime/cli/host-control.ts'
import { decodeEvent, encodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { chaosSubject } from '../../../runtime/subjects.ts'
import { Requester } from '../../../runtime/transport/requester.ts'
import type { MessageHandler, Transport } from '../../../runtime/transport/transport.ts'

const LEASE = 'uid-1/f/1'

/** Records every request and publish; answers each request with `ok` at once. */
function setUp(running: readonly KnownHost[]) {
  const sent: { subject: string; command: WireEvent }[] = []
  const deleted: string[] = []
  let inbox: MessageHandler | undefined
  const transport: Transport = {
    publish: (subject, data, options) => {
      const command = decodeEvent(data) as WireEvent
      sent.push({ subject, command })
      const ok: WireEvent = subject === hostControlSubject('c1') ? { type: 'hosts.status' } : { type: 'chaos.ok' }
      if (options?.reply !== undefined) queueMicrotask(() => inbox!({ subject: options.reply!, data: encodeEvent(ok), headers: undefined, reply: undefined }))
    },
    subscribe: (_subject, handler) => {
      inbox = handler
      return { unsubscribe: () => (inbox = undefined) }
    },
    flush: async () => {},
    close: async () => {},
    newInbox: () => '_INBOX.test',
  }
  const api = { delete: async (path: string) => void deleted.push(path) } as unknown as ApiClient
  const injector = new FaultInjector({ transport, requester: new Requester(transport, new VirtualClock(0)), cluster: 'c1', api, hosts: async () => running })
  return { injector, sent, deleted }
}

const planned = (kind: string, params: Record<string, unknown> = {}): PlannedFault => ({ index: 0, name: 'f', kind, durationMs: 60_000, target: {}, mode: 'all', params })
const HOSTS: KnownHost[] = [
  { host: 'master-1', roles: ['master'], actors: ['store/master-1'] },
  { host: 'master-3', roles: ['master'], actors: ['store/master-3'] },
]

t.test('fault injector - a resumed message fault is granted again, same lease, on the hosts still running', async (t) => {
  const { injector, sent } = setUp(HOSTS)
  await injector.inject(planned('message-drop', { subject: 'echo.>' }), LEASE, ['master-1', 'master-2', 'master-3'], 8000, true)
  t.same(
    sent.map((s) => [s.subject, s.command.type, s.command.lease, s.command.ttlMs]),
    [
      [chaosSubject('c1', 'master-1'), 'chaos.lease.grant', LEASE, 8000],
      [chaosSubject('c1', 'master-3'), 'chaos.lease.grant', LEASE, 8000],
    ],
    'master-2 (killed) is not asked',
  )
  const nobody = setUp([])
  await nobody.injector.inject(planned('message-drop', { subject: 'echo.>' }), LEASE, ['master-2'], 8000, true)
  t.same(nobody.sent, [], 'no target running: nothing to grant, and no error')
})

t.test('fault injector - a resumed disk fault is granted again on the replicas still running', async (t) => {
  const { injector, sent } = setUp(HOSTS)
  await injector.inject(planned('disk-latency', { latency: '400ms' }), LEASE, ['store/master-1', 'store/master-2', 'store/master-3'], 5000, true)
  t.same(sent.map((s) => [s.subject, s.command.type, s.command.lease]), [
    [chaosSubject('c1', 'master-1'), 'chaos.lease.grant', LEASE],
    [chaosSubject('c1', 'master-3'), 'chaos.lease.grant', LEASE],
  ])
})

t.test("fault injector - a resumed host-stop is granted again under up's lease", async (t) => {
  const { injector, sent } = setUp(HOSTS)
  await injector.inject(planned('host-stop'), LEASE, ['worker-1'], 4000, true)
  t.same(sent.map((s) => [s.subject, s.command]), [[hostControlSubject('c1'), { type: 'hosts.stop', host: 'worker-1', lease: LEASE, ttlMs: 4000 }]], 'a stopped host answers no status: it is asked for all the same')
})

t.test('fault injector - a one-shot kind resumed is not carried out again; injected first, it is', async (t) => {
  for (const [kind, target] of [['host-kill', 'master-1'], ['host-restart', 'master-1'], ['pod-kill', 'default/web-1']] as const) {
    const resumed = setUp(HOSTS)
    await resumed.injector.inject(planned(kind), LEASE, [target], 4000, true)
    t.same([resumed.sent, resumed.deleted], [[], []], `${kind} resumed: nothing sent, nothing deleted`)
    const first = setUp(HOSTS)
    await first.injector.inject(planned(kind), LEASE, [target], 4000)
    t.equal(first.sent.length + first.deleted.length, 1, `${kind} injected: carried out once`)
  }
})
