/**
 * OpenTelemetry at the edges: a span per message sent (PRODUCER) and handled (CONSUMER), with
 * W3C trace context carried in NATS headers so one trace crosses every process. Export is OTLP/HTTP
 * when the standard variables ask for it; otherwise tracing is off and the hot path skips it whole.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { Headers } from './transport/transport.ts'

export interface Tracing {
  readonly enabled: boolean
  /** Starts the send span for an outbound message and returns the headers that carry it. */
  startSend(subject: string, eventType: string): { span: Span; headers: Record<string, string> } | undefined
  /** Runs `handle` inside a handle span whose parent is the context found in `headers`. */
  handle<T>(subject: string, eventType: string, headers: Headers | undefined, handle: () => T): T
  shutdown(): Promise<void>
}

const propagator = new W3CTraceContextPropagator()

const headerSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value
  },
}

const headerGetter = {
  get: (carrier: Headers, key: string) => carrier[key],
  keys: (carrier: Headers) => Object.keys(carrier),
}

export const disabledTracing: Tracing = {
  enabled: false,
  startSend: () => undefined,
  handle: (_subject, _type, _headers, handle) => handle(),
  shutdown: async () => {},
}

/** True when the standard OTEL_* variables ask for OTLP trace export. */
export function otlpRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase()
  if (exporter === 'none' || env.OTEL_SDK_DISABLED === 'true') return false
  if (exporter === 'otlp') return true
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
}

export function setupTracing(options: {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly defaultServiceName: string
  readonly attributes?: Record<string, string>
}): Tracing {
  if (!otlpRequested(options.env)) return disabledTracing
  const serviceName = options.env.OTEL_SERVICE_NAME || options.defaultServiceName
  // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and headers itself.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, ...options.attributes }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 500 })],
  })
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  trace.setGlobalTracerProvider(provider)
  propagation.setGlobalPropagator(propagator)
  const tracer: Tracer = provider.getTracer('actorkube')

  return {
    enabled: true,
    startSend(subject, eventType) {
      const span = tracer.startSpan(`send ${eventType}`, {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'ak.event.type': eventType },
      })
      const headers: Record<string, string> = {}
      propagator.inject(trace.setSpan(context.active(), span), headers, headerSetter)
      return { span, headers }
    },
    handle(subject, eventType, headers, handle) {
      const parent: Context = headers ? propagator.extract(context.active(), headers, headerGetter) : context.active()
      const span = tracer.startSpan(
        `handle ${eventType}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'ak.event.type': eventType },
        },
        parent,
      )
      try {
        return context.with(trace.setSpan(parent, span), handle)
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
        throw error
      } finally {
        span.end()
      }
    },
    async shutdown() {
      await provider.forceFlush()
      await provider.shutdown()
      contextManager.disable()
    },
  }
}
