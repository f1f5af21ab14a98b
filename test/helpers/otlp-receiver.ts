/**
 * A minimal OTLP/HTTP trace receiver for tests: accepts `POST /v1/traces` with a JSON body (what
 * the OpenTelemetry JS HTTP exporter sends), keeps every request, and flattens the spans with
 * their resource's service name.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TeardownOwner } from './nats.ts'

export interface ReceivedExport {
  readonly path: string
  readonly contentType: string | undefined
  readonly body: string
}

export interface ReceivedSpan {
  readonly service: string | undefined
  readonly resource: Readonly<Record<string, unknown>>
  readonly traceId: string
  readonly spanId: string
  /** Empty or undefined for a root span. */
  readonly parentSpanId: string | undefined
  readonly name: string
  /** OTLP SpanKind: 4 = PRODUCER, 5 = CONSUMER. */
  readonly kind: number | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  /** The names of the span's events, in order. */
  readonly events: readonly string[]
}

export interface OtlpReceiver {
  /** Base endpoint for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  readonly endpoint: string
  readonly exports: readonly ReceivedExport[]
  /** Every span received so far, from every JSON export. */
  spans(): ReceivedSpan[]
  close(): Promise<void>
}

interface OtlpKeyValue {
  readonly key: string
  readonly value?: Readonly<Record<string, unknown>>
}

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind?: number
  readonly attributes?: readonly OtlpKeyValue[]
  readonly events?: ReadonlyArray<{ readonly name: string }>
}

interface OtlpTracesRequest {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] }
    readonly scopeSpans?: ReadonlyArray<{ readonly spans?: readonly OtlpSpan[] }>
  }>
}

/** An OTLP AnyValue as a plain value (string, number, boolean; other shapes as they are). */
function anyValue(value: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!value) return undefined
  for (const key of ['stringValue', 'intValue', 'doubleValue', 'boolValue']) {
    if (key in value) return value[key]
  }
  return value
}

function attributes(list: readonly OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]))
}

export async function startOtlpReceiver(owner: TeardownOwner): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end()
        return
      }
      exports.push({ path: req.url, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  owner.teardown(close)
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    spans() {
      const out: ReceivedSpan[] = []
      for (const received of exports) {
        if (!received.contentType?.startsWith('application/json')) continue
        const request = JSON.parse(received.body) as OtlpTracesRequest
        for (const rs of request.resourceSpans ?? []) {
          const resource = attributes(rs.resource?.attributes)
          const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : undefined
          for (const ss of rs.scopeSpans ?? []) {
            for (const span of ss.spans ?? []) {
              out.push({
                service,
                resource,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId,
                name: span.name,
                kind: span.kind,
                attributes: attributes(span.attributes),
                events: (span.events ?? []).map((e) => e.name),
              })
            }
          }
        }
      }
      return out
    },
    close,
  }
}
