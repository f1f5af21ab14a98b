import t from 'tap'
import type { WireEvent } from '../../runtime/codec.ts'
import { Mailbox } from '../../runtime/host/mailbox.ts'
import { noMetrics, type HostMetrics } from '../../runtime/metrics.ts'

function mailbox(batchable: ReadonlySet<string> | undefined) {
  const delivered: WireEvent[] = []
  const deferred: Array<() => void> = []
  const handled: string[] = []
  const metrics: HostMetrics = { ...noMetrics, messageHandled: (type) => handled.push(type) }
  const box = new Mailbox({ deliver: (e) => delivered.push(e), batchable, defer: (f) => deferred.push(f), metrics })
  const runDeferred = () => deferred.splice(0).forEach((f) => f())
  return { box, delivered, deferred, handled, runDeferred }
}

t.test('mailbox - batchable one-way events arriving together are delivered as one net.batch, in order', async (t) => {
  const m = mailbox(new Set(['p']))
  for (const seq of [1, 2, 3]) t.ok(m.box.offer({ type: 'p', seq }), `ping ${seq} queued`)
  t.equal(m.deferred.length, 1, 'one flush scheduled for the whole turn')
  t.strictSame(m.delivered, [], 'nothing delivered before the turn ends')
  m.runDeferred()
  t.strictSame(m.delivered, [{ type: 'net.batch', events: [{ type: 'p', seq: 1 }, { type: 'p', seq: 2 }, { type: 'p', seq: 3 }] }])
  t.strictSame(m.handled, ['p', 'p', 'p'], 'each event still counts as handled')
})

t.test('mailbox - a lone event is delivered as itself', async (t) => {
  const m = mailbox(new Set(['p']))
  m.box.offer({ type: 'p', seq: 1 })
  m.runDeferred()
  t.strictSame(m.delivered, [{ type: 'p', seq: 1 }])
})

t.test('mailbox - other types, requests, and kinds without batchable types are not batched', async (t) => {
  const m = mailbox(new Set(['p']))
  t.notOk(m.box.offer({ type: 'q' }), 'a type not declared batchable')
  t.notOk(m.box.offer({ type: 'p', replyTo: '_INBOX.1' }), 'a request')
  t.notOk(mailbox(undefined).box.offer({ type: 'p' }), 'a kind with no batchable types')
  t.equal(m.deferred.length, 0)
})

t.test('mailbox - an explicit flush before another event keeps arrival order', async (t) => {
  const m = mailbox(new Set(['p']))
  m.box.offer({ type: 'p', seq: 1 })
  m.box.offer({ type: 'p', seq: 2 })
  m.box.flush() // what the host does before delivering a non-batchable event
  m.delivered.push({ type: 'q' })
  m.box.offer({ type: 'p', seq: 3 })
  m.runDeferred()
  t.strictSame(m.delivered.map((e) => (e.type === 'net.batch' ? `batch(${(e.events as WireEvent[]).length})` : `${e.type}${String(e.seq ?? '')}`)), [
    'batch(2)',
    'q',
    'p3',
  ])
})
