/**
 * OpenTelemetry at the edges: a span per message sent (PRODUCER) and handled (CONSUMER), with
 * W3C trace context carried in NATS headers so one trace crosses every process. Export is OTLP/HTTP
 * when the standard variables ask for it; otherwise tracing is off and the hot path skips it whole.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api'
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
  activeTracer = tracer

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
      if (activeTracer === tracer) activeTracer = undefined
      await provider.forceFlush()
      await provider.shutdown()
      contextManager.disable()
    },
  }
}

// ---- spans outside the host's message path (API and store clients, engines, runtimes) ----

/** The process's tracer while tracing is on; every helper below does nothing while it is undefined. */
let activeTracer: Tracer | undefined

/** True while {@link setupTracing} has tracing on in this process. */
export function tracingOn(): boolean {
  return activeTracer !== undefined
}

/** The W3C traceparent of the active span; undefined when tracing is off or no span is active. */
export function activeTraceparent(): string | undefined {
  if (activeTracer === undefined) return undefined
  const span = trace.getSpan(context.active())
  if (span === undefined || !span.spanContext().traceId) return undefined
  const carrier: Record<string, string> = {}
  propagator.inject(context.active(), carrier, headerSetter)
  return carrier.traceparent
}

/**
 * The context a span recorded as a W3C traceparent (an annotation) continues; undefined when tracing
 * is off or `traceparent` is absent or malformed.
 */
export function contextOfTraceparent(traceparent: string | undefined): Context | undefined {
  if (activeTracer === undefined || typeof traceparent !== 'string') return undefined
  const extracted = propagator.extract(ROOT_CONTEXT, { traceparent }, headerGetter)
  return trace.getSpan(extracted) === undefined ? undefined : extracted
}

/** Starts a span, the child of `parent` (the active context by default); undefined when tracing is off. */
export function startSpan(name: string, options: SpanOptions = {}, parent?: Context): Span | undefined {
  return activeTracer?.startSpan(name, options, parent ?? context.active())
}

/** Runs `fn` with `span` active (what it sends joins the span's trace); plainly when there is no span. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  return span === undefined ? fn() : context.with(trace.setSpan(context.active(), span), fn)
}

/**
 * Runs `fn` in `ctx`, or, while tracing is on and `ctx` is undefined, outside any trace: work that
 * outlives a traced turn (timers, queued writes) must not join whichever trace happened to be active.
 */
export function withContext<T>(ctx: Context | undefined, fn: () => T): T {
  if (activeTracer === undefined) return fn()
  return context.with(ctx ?? ROOT_CONTEXT, fn)
}

/** Marks the active span failed (an operation that reports failure instead of throwing). */
export function failActiveSpan(message: string): void {
  if (activeTracer === undefined) return
  trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message })
}

/** Ends `span` with an error status when `error` is given. */
export function endSpan(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
  span.end()
}

/**
 * A request a client (ApiClient, StoreClient) sends from inside a traced operation: a PRODUCER
 * `send <type>` span and the headers that carry it to the handler. Undefined when tracing is off
 * or no span is active: calls made outside a trace start none of their own.
 */
export function startClientSend(subject: string, eventType: string, attributes?: Record<string, string>): { span: Span; headers: Record<string, string> } | undefined {
  if (activeTracer === undefined) return undefined
  const parent = context.active()
  if (trace.getSpan(parent) === undefined) return undefined
  const span = activeTracer.startSpan(
    `send ${eventType}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'ak.event.type': eventType, ...attributes } },
    parent,
  )
  const headers: Record<string, string> = {}
  propagator.inject(trace.setSpan(parent, span), headers, headerSetter)
  return { span, headers }
}
