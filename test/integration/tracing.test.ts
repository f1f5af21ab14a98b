/**
 * Tracing across processes: two hosts export OTLP/HTTP to a receiver inside the test, and one
 * request that makes host a's echo message host b's echo yields one trace whose spans link up
 * across the NATS hop through the W3C traceparent header.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { RawClient, echo, probe } from '../helpers/client.ts'
import { startHost, type TestHost } from '../helpers/hosts.ts'
import { startNatsFor } from '../helpers/nats.ts'
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts'
import { waitFor } from '../helpers/wait.ts'

const OTLP_PRODUCER = 4
const OTLP_CONSUMER = 5
const SERVICE = { a: 'ak-trace-a', b: 'ak-trace-b' } as const

const receiver = await startOtlpReceiver(t)
const nats = await startNatsFor(t)
const hosts: Record<'a' | 'b', TestHost> = Object.fromEntries(
  await Promise.all(
    (['a', 'b'] as const).map(async (name) => {
      const host = await startHost(t, nats.dir, nats.url, { host: name, actors: [{ kind: 'echo', id: name }] }, {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: SERVICE[name] },
      })
      return [name, host] as const
    }),
  ),
) as Record<'a' | 'b', TestHost>
const client = await RawClient.connectFor(t, nats.url)

/** A W3C traceparent for a made-up caller span, so the test knows the trace id to look for. */
function callerContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` }
}

const find = (spans: readonly ReceivedSpan[], service: string, name: string): ReceivedSpan | undefined =>
  spans.find((s) => s.service === service && s.name === name)

t.test('tracing - hosts started with OTEL_EXPORTER_OTLP_ENDPOINT report tracing on', async (t) => {
  t.equal(hosts.a.ready.tracing, true, 'host a says tracing is on')
  t.equal(hosts.b.ready.tracing, true, 'host b says tracing is on')
})

t.test('tracing - a blast from host a to host b is one trace linked across the NATS hop', async (t) => {
  const caller = callerContext()
  const reports = client.listen(probe('trace'))
  await client.flush()
  const started = await client.request(
    echo('a'),
    { type: 'echo.blast', to: echo('b'), count: 1, report: probe('trace') },
    { headers: { traceparent: caller.traceparent } },
  )
  t.match(started, { type: 'echo.blast.started' }, 'echo a accepts the blast')
  await reports.waitFor((events) => events.length > 0, { what: 'the report from echo b' })

  // Spans leave every 500 ms in batches: wait until both hosts have exported their part.
  const spans = await waitFor(
    () => {
      const inTrace = receiver.spans().filter((s) => s.traceId === caller.traceId)
      const wanted = [
        [SERVICE.a, 'handle echo.blast'],
        [SERVICE.a, 'send echo.blast.started'],
        [SERVICE.a, 'send echo.ping'],
        [SERVICE.b, 'handle echo.ping'],
        [SERVICE.b, 'send echo.pong'],
      ] as const
      return wanted.every(([service, name]) => find(inTrace, service, name)) ? inTrace : undefined
    },
    { timeoutMs: 15_000, what: `the spans of trace ${caller.traceId} from both hosts` },
  )

  t.ok(receiver.exports.length > 0, 'the hosts posted to /v1/traces')
  t.ok(
    receiver.exports.every((e) => e.contentType?.startsWith('application/json')),
    `every export is JSON (content-type ${receiver.exports[0]?.contentType})`,
  )
  t.same([...new Set(spans.map((s) => s.service))].sort(), [SERVICE.a, SERVICE.b], 'spans from both services share the one trace id')

  const handleBlast = find(spans, SERVICE.a, 'handle echo.blast')!
  const sendPing = find(spans, SERVICE.a, 'send echo.ping')!
  const handlePing = find(spans, SERVICE.b, 'handle echo.ping')!
  const sendPong = find(spans, SERVICE.b, 'send echo.pong')!
  const sendStarted = find(spans, SERVICE.a, 'send echo.blast.started')!

  t.equal(handleBlast.parentSpanId, caller.spanId, "host a's handle span continues the caller's traceparent")
  t.equal(sendStarted.parentSpanId, handleBlast.spanId, 'the reply is sent inside the handle span')
  t.equal(sendPing.parentSpanId, handleBlast.spanId, 'the ping to b is sent inside the handle span')
  t.equal(handlePing.parentSpanId, sendPing.spanId, "host b's handle span has host a's send span as parent")
  t.equal(sendPong.parentSpanId, handlePing.spanId, "host b's report is sent inside its handle span")

  t.equal(sendPing.kind, OTLP_PRODUCER, 'send spans are PRODUCER spans')
  t.equal(handlePing.kind, OTLP_CONSUMER, 'handle spans are CONSUMER spans')
  t.match(
    sendPing.attributes,
    { 'messaging.system': 'nats', 'messaging.destination.name': client.subject(echo('b')), 'ak.event.type': 'echo.ping' },
    'the send span names the subject and event type',
  )
  t.match(handlePing.resource, { 'service.name': SERVICE.b, 'actorkube.host': 'b' }, "host b's resource carries OTEL_SERVICE_NAME and its host")
  t.match(handleBlast.resource, { 'service.name': SERVICE.a, 'actorkube.host': 'a' }, "host a's resource carries OTEL_SERVICE_NAME and its host")
})

t.test('tracing - spans still batched are flushed when a host stops on SIGTERM', async (t) => {
  const caller = callerContext()
  const pong = await client.request(echo('b'), { type: 'echo.ping', seq: 1 }, { headers: { traceparent: caller.traceparent } })
  t.match(pong, { type: 'echo.pong', seq: 1 }, 'echo b answers')
  // Stopping right away, well inside the 500 ms batch delay: the shutdown must export the spans.
  t.equal(await hosts.b.stop('SIGTERM'), 0, 'host b exits 0')
  const inTrace = receiver.spans().filter((s) => s.traceId === caller.traceId)
  t.ok(find(inTrace, SERVICE.b, 'handle echo.ping'), 'the handle span was exported before the process exited')
  t.ok(find(inTrace, SERVICE.b, 'send echo.pong'), 'so was the reply send span')
})
