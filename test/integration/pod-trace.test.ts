/**
 * One trace per pod: `actorkube up` (3 masters, 1 worker with the process runtime) exports OTLP/HTTP
 * to a receiver inside the test; a pod created over NATS (ApiClient) and one created over HTTPS
 * (@kubernetes/client-node) each come out as one trace from the apiserver's span through the store,
 * the scheduler's bind, the kubelet and the pod's runtime, every span's parent in the trace.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import t from 'tap'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { TRACEPARENT_ANNOTATION } from '../../actors/kube/trace-annotation.ts'
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

const OTLP_SERVER = 2
const MASTER = /^actorkube-master-[123]$/
const WORKER = 'actorkube-worker-1'

// Room to wait for another file's cluster with workers (test/helpers/loopback-lock.ts).
t.setTimeout(600_000)
const receiver = await startOtlpReceiver(t)
const { stateDir, output } = await startUp(t, ['--masters', '3', '--workers', '1', '--api-port', '0', '--status-interval', '0'], {
  prefix: 'ak-pod-trace-',
  env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
})
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
const info = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as { nats: string; cluster: string; store: string[] }
const transport = await NatsTransport.connect({ servers: [info.nats], name: 'pod-trace-test' })
t.teardown(() => transport.close())
const api = new ApiClient({ transport, cluster: info.cluster, apiservers: info.store })
t.teardown(() => api.close())

const sleepPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'main', image: 'actorkube/sleep', args: ['infinity'] }], terminationGracePeriodSeconds: 1 },
})

/** The pod once Running, and the trace id and span id its annotation names. */
async function running(name: string): Promise<{ pod: KubeObject; traceId: string; spanId: string }> {
  const pod = await waitFor(
    async () => {
      const p = await api.get(`/api/v1/namespaces/default/pods/${name}`).catch(() => undefined)
      return (p?.status as { phase?: string } | undefined)?.phase === 'Running' ? p : undefined
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `pod ${name} Running` },
  )
  const traceparent = pod.metadata?.annotations?.[TRACEPARENT_ANNOTATION] ?? ''
  const [, traceId = '', spanId = ''] = traceparent.split('-')
  return { pod, traceId, spanId }
}

const named = (spans: readonly ReceivedSpan[], name: string, service?: RegExp | string) =>
  spans.filter((s) => s.name === name && (service === undefined || (typeof service === 'string' ? s.service === service : service.test(s.service ?? ''))))

/** What one pod's trace must hold; undefined until all of it has been exported. */
function podTrace(traceId: string, uid: string) {
  const spans = receiver.spans().filter((s) => s.traceId === traceId)
  const sync = named(spans, 'kubelet sync pod', WORKER)[0]
  const wanted =
    // Under load a cycle may be retried (a bind refused by a deposed leader): one must have bound.
    named(spans, 'schedule pod', MASTER).some((s) => s.attributes['ak.scheduler.result'] === 'bind') &&
    named(spans, 'handle store.write', MASTER).length > 0 &&
    sync !== undefined &&
    sync.attributes['k8s.pod.uid'] === uid &&
    named(spans, 'cri runSandbox', WORKER).length >= 1 &&
    named(spans, 'cri startContainer main', WORKER).length >= 1 &&
    spans.some((s) => s.name === 'send api.request' && String(s.attributes['url.path']).endsWith('/status') && s.parentSpanId === sync.spanId)
  return wanted ? spans : undefined
}

/** Spans whose parent is not in the trace (the root's parent is empty). */
const orphans = (spans: readonly ReceivedSpan[]) => {
  const ids = new Set(spans.map((s) => s.spanId))
  return spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId))
}

/** The spans of the trace once nothing new has arrived for a second (what is in flight lands). */
async function settled(traceId: string): Promise<ReceivedSpan[]> {
  let count = -1
  return waitFor(
    () => {
      const spans = receiver.spans().filter((s) => s.traceId === traceId)
      const done = spans.length === count && orphans(spans).length === 0
      count = spans.length
      return done ? spans : undefined
    },
    { timeoutMs: 10_000, intervalMs: 1000, what: `trace ${traceId} to settle with every parent exported` },
  ).catch(() => receiver.spans().filter((s) => s.traceId === traceId))
}

t.test('pod trace - a pod created over NATS is one trace: apiserver, store, scheduler, kubelet, runtime', async (t) => {
  const started = performance.now()
  await api.create('/api/v1/namespaces/default/pods', sleepPod('traced'))
  const { pod, traceId, spanId } = await running('traced')
  t.match(pod.metadata?.annotations?.[TRACEPARENT_ANNOTATION], /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'the pod records the span it was created in')
  const uid = pod.metadata?.uid ?? ''

  // Hosts export in batches every few seconds; a busy machine makes that slower.
  await waitFor(() => podTrace(traceId, uid), { timeoutMs: 45_000, what: `every component's spans in trace ${traceId}` })
  const spans = await settled(traceId)
  t.comment(`${spans.length} spans in the pod's trace, ${Math.round(performance.now() - started)} ms from create to all exported`)

  const root = spans.find((s) => s.spanId === spanId)
  t.ok(root, "the annotation names a span of the trace (the apiserver's)")
  t.equal(root?.name, 'handle api.request', 'over NATS the apiserver handle span is where the pod was created')
  t.match(root?.service, MASTER, 'on a master')
  t.notOk(root?.parentSpanId, 'and it is the root: the test called without a trace')
  t.same(orphans(spans), [], 'every other span has its parent in the trace')

  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const parentOf = (s: ReceivedSpan | undefined) => (s?.parentSpanId ? byId.get(s.parentSpanId) : undefined)
  const chainTo = (s: ReceivedSpan, ancestor: ReceivedSpan) => {
    for (let p = parentOf(s); p; p = parentOf(p)) if (p === ancestor) return true
    return false
  }

  const creates = spans.filter((s) => s.name === 'send store.write' && parentOf(s) === root)
  t.ok(creates.length > 0, "the apiserver's store write is a child of its span")
  t.ok(
    creates.some((c) => spans.some((h) => h.name === 'handle store.write' && h.parentSpanId === c.spanId && MASTER.test(h.service ?? ''))),
    'and a store replica handles it in the same trace',
  )

  const schedule = named(spans, 'schedule pod', MASTER).find((s) => s.attributes['ak.scheduler.result'] === 'bind')!
  t.equal(parentOf(schedule), root, "the scheduler's span continues the pod's annotation")
  t.match(schedule.attributes, { 'k8s.pod.name': 'traced', 'k8s.node.name': 'worker-1', 'ak.scheduler.result': 'bind' })
  const bind = spans.find((s) => s.name === 'send api.request' && s.parentSpanId === schedule.spanId && String(s.attributes['url.path']).endsWith('/binding'))
  t.ok(bind, 'the bind call is a child of the schedule span')
  const bindHandled = spans.find((s) => s.name === 'handle api.request' && s.parentSpanId === bind?.spanId)
  t.ok(bindHandled, 'an apiserver handles the bind in the trace')
  t.ok(
    spans.some((s) => s.name === 'handle store.write' && chainTo(s, bindHandled!)),
    "the bind's store write is in the trace under it",
  )

  const sync = named(spans, 'kubelet sync pod', WORKER)[0]!
  t.equal(parentOf(sync), root, "the kubelet's span continues the pod's annotation")
  t.match(sync.attributes, { 'k8s.pod.name': 'traced', 'k8s.node.name': 'worker-1', 'ak.kubelet.outcome': 'Running' })
  t.ok(sync.events.includes('pod actor Pending') && sync.events.includes('pod actor Running'), `the pod actor's phases are events of it (${sync.events.join(', ')})`)
  for (const name of ['cri runSandbox', 'cri startContainer main']) {
    const cri = named(spans, name, WORKER)[0]
    t.equal(cri?.parentSpanId, sync.spanId, `${name} is a child of kubelet sync pod`)
  }
  const statusWrites = spans.filter((s) => s.name === 'send api.request' && s.parentSpanId === sync.spanId && String(s.attributes['url.path']).endsWith('/status'))
  t.ok(statusWrites.length > 0, 'status writes are children of kubelet sync pod')
  t.ok(
    statusWrites.some((w) => spans.some((h) => h.name === 'handle api.request' && h.parentSpanId === w.spanId)),
    'and are handled by an apiserver in the trace',
  )

  const elsewhere = receiver.spans().filter((s) => s.attributes['k8s.pod.uid'] === uid && s.traceId !== traceId)
  t.same(
    elsewhere.map((s) => s.name),
    [],
    'no span about the pod started a trace of its own',
  )
})

t.test('pod trace - over HTTPS the request span is the root', async (t) => {
  const kc = new KubeConfig()
  kc.loadFromFile(join(stateDir, 'kubeconfig'))
  const core = kc.makeApiClient(CoreV1Api)
  await core.createNamespacedPod({ namespace: 'default', body: sleepPod('traced-https') as never })
  const { pod, traceId, spanId } = await running('traced-https')
  await waitFor(() => podTrace(traceId, pod.metadata?.uid ?? ''), { timeoutMs: 45_000, what: `every component's spans in trace ${traceId}` })
  const spans = await settled(traceId)
  const root = spans.find((s) => s.spanId === spanId)
  t.equal(root?.name, 'POST /api/v1/namespaces/{namespace}/pods', 'the pod records the HTTPS request span, named by route')
  t.equal(root?.kind, OTLP_SERVER, 'a SERVER span')
  t.match(root?.attributes, { 'http.request.method': 'POST', 'http.route': '/api/v1/namespaces/{namespace}/pods', 'url.path': '/api/v1/namespaces/default/pods', 'http.response.status_code': 201 })
  t.notOk(root?.parentSpanId, 'the root of the trace')
  t.same(orphans(spans), [], 'every other span has its parent in the trace')
  t.equal(named(spans, 'schedule pod').length, 1, 'the scheduler joined')
  t.equal(named(spans, 'kubelet sync pod').length, 1, 'the kubelet joined')
})
