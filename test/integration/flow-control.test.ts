/**
 * API Priority and Fairness on a real master host (store, an apiserver with 20 seats in all, a
 * leader-elected scheduler) and a real nats-server: a flood of pod creates over NATS overflows
 * the workload-low level's queues and some creates get kube-apiserver's 429 with a Retry-After,
 * while Lease renewals in kube-system all succeed and never wait in a queue behind the flood;
 * /metrics shows the levels' counts. How fast renewals are under load (and whether leaders keep
 * their Leases at 500 pods/s) is the startup benchmark's to measure, not a timed assertion's.
 */
import { join } from 'node:path'
import t from 'tap'
import { ApiClient, retryAfterMs } from '../../runtime/apiserver/api-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { msgStartsWith, startHost } from '../helpers/hosts.ts'
import { scrapeMetrics } from '../helpers/metrics.ts'
import { startNatsFor } from '../helpers/nats.ts'
import { waitFor } from '../helpers/wait.ts'

const TOTAL_CONCURRENCY = 20
/** workload-low's share (100 of 195) of the 20 seats, rounded up. */
const WORKLOAD_LOW_SEATS = 11
const FLOOD = 1500
const IN_FLIGHT = 500
/** A renewal's call deadline: generous, since on a loaded machine the whole process is slow; queueing is checked on /metrics. */
const RENEWAL_TIMEOUT_MS = 10_000
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases'

const nats = await startNatsFor(t)
const master = await startHost(t, nats.dir, nats.url, {
  host: 'm1',
  maxMessageBytes: 4 * 1024 * 1024,
  actors: [
    { kind: 'store', id: 'm1', options: { dataDir: join(nats.dir, 'store', 'm1'), voters: ['m1'] } },
    { kind: 'apiserver', id: 'm1', options: { port: 0, securityDir: join(nats.dir, 'security'), storeReplicas: ['m1'], flowControl: { totalConcurrency: TOTAL_CONCURRENCY, queueWaitMs: 1000 } } },
    { kind: 'scheduler', id: 'm1', options: { apiservers: ['m1'] } },
  ],
})
const connect = async (name: string) => {
  const transport = await NatsTransport.connect({ servers: [nats.url], name })
  t.teardown(() => transport.close())
  return transport
}
// No retries on 429 inside the client: the test sees what the apiserver answers, and waits out the Retry-After itself.
const flooder = new ApiClient({ transport: await connect('flooder'), cluster: 'c1', apiservers: ['m1'], timeoutMs: 10_000, maxRetriesOn429: 0 })
const renewer = new ApiClient({ transport: await connect('renewer'), cluster: 'c1', apiservers: ['m1'], timeoutMs: RENEWAL_TIMEOUT_MS, maxRetriesOn429: 0 })
t.teardown(() => flooder.close())
t.teardown(() => renewer.close())

const lostLeadership = () => master.logs().filter((r) => msgStartsWith(r, 'lost leadership'))
/** For another scheduler: ours keeps to its Lease, the flood is the apiserver's alone. */
const pod = (i: number) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `flood-${i}` }, spec: { schedulerName: 'flood-scheduler', containers: [{ name: 'c', image: 'pause' }] } })

t.test('flow control - a flood of pod creates gets 429s; Lease renewals never queue behind it; /metrics counts', async (t) => {
  await waitFor(async () => (await renewer.call('GET', `${LEASES}/kube-scheduler`)).status === 200 || undefined, { timeoutMs: 30_000, what: 'the scheduler holding its Lease' })
  t.equal((await flooder.call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flood' } } })).status, 201)
  await renewer.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'probe', namespace: 'kube-system' }, spec: { holderIdentity: 'probe', leaseDurationSeconds: 2 } })
  const lostBefore = lostLeadership().length

  const statuses = new Map<number, number>()
  const retryAfters = new Set<string>()
  let flooding = true
  let next = 0
  const worker = async () => {
    while (next < FLOOD) {
      const r = await flooder.call('POST', '/api/v1/namespaces/flood/pods', { body: pod(next++) })
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      if (r.status !== 429) continue
      retryAfters.add(JSON.stringify(r.body))
      // A well-behaved client: wait out the Retry-After before the next create.
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs(r.body)))
    }
  }
  // A Lease renewal every 200 ms (the electors' retry period) for as long as the flood lasts.
  const renewals: { status: number; ms: number }[] = []
  const renewing = (async () => {
    while (flooding) {
      const started = performance.now()
      const r = await renewer.call('PATCH', `${LEASES}/probe`, { body: { spec: { renewTime: new Date().toISOString().replace(/\.\d+Z$/, '.000000Z') } }, contentType: 'application/merge-patch+json' }).catch((e: unknown) => ({ status: 0, body: String(e) }))
      renewals.push({ status: r.status, ms: performance.now() - started })
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  flooding = false
  await renewing

  t.comment(`creates: ${JSON.stringify(Object.fromEntries(statuses))}; renewals: ${renewals.length}, slowest ${Math.round(Math.max(...renewals.map((r) => r.ms)))} ms`)
  t.ok((statuses.get(429) ?? 0) > 0, `some creates were answered 429 (${statuses.get(429) ?? 0} of ${FLOOD})`)
  t.ok((statuses.get(201) ?? 0) > 0, `the others were created (${statuses.get(201) ?? 0})`)
  t.strictSame([...statuses.keys()].filter((s) => s !== 201 && s !== 429), [], 'nothing but 201 and 429')
  t.strictSame([...retryAfters].map((b) => JSON.parse(b)), [{ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 }], "every 429 is kube-apiserver's, with a Retry-After")
  t.ok(renewals.length >= 3, `renewals ran during the flood (${renewals.length})`)
  t.strictSame(renewals.filter((r) => r.status !== 200), [], 'every renewal succeeded')
  const lost = lostLeadership().slice(lostBefore)
  if (lost.length > 0) t.comment(`the scheduler lost its Lease during the flood (a loaded machine; the startup bench measures this): ${JSON.stringify(lost)}`)

  const metrics = await waitFor(async () => {
    const page = await scrapeMetrics(master.metricsPort!)
    // Reported once a second. At least the flooder's: the scheduler's own reads share the level and may have been turned away too.
    const caughtUp =
      page.value('apiserver_flowcontrol_rejected_requests_total', { priority_level: 'workload-low' }) >= (statuses.get(429) ?? 0) &&
      page.value('apiserver_flowcontrol_dispatched_requests_total', { priority_level: 'workload-low' }) >= (statuses.get(201) ?? 0) &&
      page.value('apiserver_flowcontrol_dispatched_requests_total', { priority_level: 'leader-election' }) >= renewals.length &&
      page.value('apiserver_flowcontrol_current_inqueue_requests', { priority_level: 'workload-low' }) === 0
    return caughtUp ? page : undefined
  }, { timeoutMs: 5_000, what: `the flood's ${statuses.get(201) ?? 0} dispatched and ${statuses.get(429) ?? 0} rejected creates on /metrics` })
  t.comment(`rejected_requests_total: ${JSON.stringify(metrics.series('apiserver_flowcontrol_rejected_requests_total').filter((s) => s.value > 0).map((s) => [s.labels.flow_schema, s.labels.reason, s.value]))}`)
  t.ok(metrics.value('apiserver_flowcontrol_rejected_requests_total', { priority_level: 'workload-low', reason: 'queue-full' }) + metrics.value('apiserver_flowcontrol_rejected_requests_total', { priority_level: 'workload-low', reason: 'time-out' }) > 0, 'rejected as queue-full or time-out')
  t.equal(metrics.value('apiserver_flowcontrol_rejected_requests_total', { priority_level: 'leader-election' }), 0, 'no leader-election request was rejected')
  t.ok(metrics.value('apiserver_flowcontrol_dispatched_requests_total', { priority_level: 'leader-election' }) >= renewals.length, 'the renewals ran at the leader-election level')
  t.ok(metrics.value('apiserver_flowcontrol_enqueued_requests_total', { priority_level: 'workload-low' }) > 0, 'the flood waited in workload-low\'s queues')
  t.equal(metrics.value('apiserver_flowcontrol_enqueued_requests_total', { priority_level: 'leader-election' }), 0, 'no renewal ever waited in a queue')
  t.equal(metrics.value('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'workload-low' }), WORKLOAD_LOW_SEATS)
})
