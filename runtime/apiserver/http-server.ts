/**
 * The API server's HTTPS edge: TLS, bearer-token authentication (the token file's, service
 * accounts'), authorization, a bounded body,
 * then the pure handler (actors/apiserver/handle.ts) and the response, including streamed
 * watches that end when the client goes away.
 */
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Authorizer } from '../../actors/apiserver/authz/authorizer.ts'
import { impersonation } from '../../actors/apiserver/authz/impersonation.ts'
import { forbiddenStatus } from '../../actors/apiserver/authz/policy.ts'
import { handle } from '../../actors/apiserver/handle.ts'
import type { ApiRequest, ApiResponse, TextStreamResponse } from '../../actors/apiserver/http/api-request.ts'
import { requestAttributes } from '../../actors/apiserver/http/request-attributes.ts'
import { routeResource } from '../../actors/apiserver/http/route.ts'
import { internal, MAX_REQUEST_BODY_BYTES, tooLarge, unauthorized, type StatusError } from '../../actors/apiserver/meta/status.ts'
import type { ApiPorts } from '../../actors/apiserver/ports.ts'
import { PROTOBUF_CONTENT_TYPE } from '../../actors/apiserver/protobuf/codec.ts'
import { protobufAnswer } from '../../actors/apiserver/protobuf/negotiate.ts'
import type { Logger } from '../log.ts'
import type { FlowGate } from './flow-gate.ts'
import { activeTraceparent, contextOfTraceparent, endSpan, startSpan, tracingOn, withSpan } from '../telemetry.ts'
import { bearerToken, type Identity, type TokenAuthenticator } from './security/tokens.ts'
import { watchLines } from './watch-lines.ts'

const statusResponse = (s: StatusError): Exclude<ApiResponse, { kind: 'stream' } | TextStreamResponse> => ({ kind: 'json', status: s.code, body: s.status })

export interface ApiHttpServerOptions {
  readonly port: number
  readonly host?: string
  readonly tls: { readonly certPem: string; readonly keyPem: string }
  readonly tokens: TokenAuthenticator
  /** Service account tokens (JWTs): the identity of one that is valid now, else undefined. */
  readonly serviceAccounts?: (token: string) => Promise<Identity | undefined>
  /** Decides every request (the policy file's bootstrap joined with the RBAC objects, rbac.ts). */
  readonly authorizer: Authorizer
  readonly ports: Omit<ApiPorts, 'serverAddress'>
  /** Flow control (API Priority and Fairness) in front of the handlers; none: every request runs at once. */
  readonly flow?: FlowGate
  readonly log: Logger
}


export class ApiHttpServer {
  readonly #o: ApiHttpServerOptions
  readonly #server: Server
  #address = ''

  private constructor(options: ApiHttpServerOptions) {
    this.#o = options
    this.#server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        options.log.error({ error: String(error), path: req.url }, 'apiserver request failed')
        if (!res.headersSent) send(res, statusResponse(internal(String(error))))
        else res.destroy()
      })
    })
    // Slow clients: a request must arrive whole within this time.
    this.#server.requestTimeout = 60_000
    this.#server.headersTimeout = 20_000
  }

  static async start(options: ApiHttpServerOptions): Promise<ApiHttpServer> {
    const server = new ApiHttpServer(options)
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject)
      server.#server.listen(options.port, options.host ?? '127.0.0.1', () => resolve())
    })
    const address = server.#server.address() as AddressInfo
    server.#address = `${address.address}:${address.port}`
    return server
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  /**
   * With tracing on, each request is a SERVER span named after its route
   * (`POST /api/v1/namespaces/{namespace}/pods`), continuing a client's traceparent header; it
   * ends once the answer (a stream's headers) is out.
   */
  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!tracingOn()) return this.#respond(req, res)
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?', 1)[0]!
    const route = routeTemplate(path)
    const traceparent = req.headers.traceparent
    const span = startSpan(
      `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route, 'url.path': path, 'url.scheme': 'https', 'server.address': this.#address } },
      contextOfTraceparent(typeof traceparent === 'string' ? traceparent : undefined) ?? ROOT_CONTEXT,
    )
    try {
      await withSpan(span, () => this.#respond(req, res))
    } catch (error) {
      endSpan(span, error)
      throw error
    }
    span?.setAttribute('http.response.status_code', res.statusCode)
    endSpan(span, res.statusCode >= 500 ? `HTTP ${res.statusCode}` : undefined)
  }

  /** The token file's tokens first (a constant-time lookup), then service account tokens. */
  async #authenticate(header: string | undefined): Promise<Identity | undefined> {
    const token = bearerToken(header)
    if (token === undefined) return undefined
    return this.#o.tokens.authenticateToken(token) ?? (await this.#o.serviceAccounts?.(token))
  }

  async #respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost')
    const identity = await this.#authenticate(req.headers.authorization)
    if (identity === undefined) return send(res, statusResponse(unauthorized()))
    const query = Object.fromEntries(url.searchParams)
    // Impersonation (kubectl --as) comes before authorization: the request is then decided as the impersonated user.
    const requester = { user: identity.user, groups: identity.groups }
    const acting = impersonation(requester, req.headersDistinct, this.#o.authorizer)
    if (acting.kind === 'refused') return send(res, statusResponse(acting.status))
    const who = acting.kind === 'allowed' ? acting.user : requester
    const user = { name: who.user, groups: who.groups }
    const attributes = requestAttributes(req.method ?? 'GET', url.pathname, query)
    const decision = this.#o.authorizer.authorize(who, attributes)
    if (!decision.allowed) return send(res, { kind: 'json', status: 403, body: forbiddenStatus(who, attributes, decision.reason) })
    const body = await readBody(req)
    if (body === 'too-large') {
      // Answer first, then drop the connection: the client may still be sending the rest.
      res.setHeader('connection', 'close')
      res.on('finish', () => req.destroy())
      return send(res, statusResponse(tooLarge()))
    }
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      accept: req.headers.accept ?? '',
      contentType: req.headers['content-type'] ?? '',
      body,
      user,
      ...(tracingOn() ? { traceparent: activeTraceparent() } : {}),
    }
    const ports = { ...this.#o.ports, serverAddress: this.#address }
    const response = await (this.#o.flow ? this.#o.flow.handle(request, ports) : handle(request, ports))
    if (response.kind === 'text') return sendText(res, response)
    if (response.kind !== 'stream') return send(res, response, request.accept)
    res.writeHead(response.status, { 'content-type': response.contentType, 'transfer-encoding': 'chunked' })
    // Clients (client-node's Watch) wait for the headers before they act; Node holds them until the first write.
    res.flushHeaders()
    const stop = response.open(
      (events) => void res.write(watchLines(events)),
      () => res.end(),
    )
    // The response's close, not the request's: the request ends as soon as its body is read.
    res.on('close', stop)
  }
}

function sendText(res: ServerResponse, response: TextStreamResponse): void {
  res.writeHead(response.status, { 'content-type': response.contentType, 'transfer-encoding': 'chunked' })
  res.flushHeaders()
  const stop = response.open(
    (chunk) => void res.write(chunk),
    () => res.end(),
  )
  res.on('close', stop)
}

/** `accept`: the request's; an object answer goes out as protobuf when the client prefers it (negotiate.ts). */
function send(res: ServerResponse, response: Exclude<ApiResponse, { kind: 'stream' } | TextStreamResponse>, accept = ''): void {
  const protobuf = response.kind === 'json' ? protobufAnswer(accept, response.body) : undefined
  const text = protobuf ?? (response.kind === 'json' ? JSON.stringify(response.body) : response.body)
  const type = protobuf !== undefined ? PROTOBUF_CONTENT_TYPE : response.kind === 'json' ? (response.contentType ?? 'application/json') : response.contentType
  res.writeHead(response.status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...retryAfterHeader(response), ...warningHeaders(response) })
  res.end(text)
}

/** RFC 7234 warnings, code 299 and agent "-" as kube-apiserver writes them, the text quoted (ASCII only: a header). */
function warningHeaders(response: Exclude<ApiResponse, { kind: 'stream' } | TextStreamResponse>): Record<string, string[]> {
  const warnings = response.kind === 'json' ? (response.warnings ?? []) : []
  return warnings.length === 0 ? {} : { warning: warnings.map((w) => `299 - ${JSON.stringify(w).replace(/[^\x20-\x7e]/g, '?')}`) }
}

/** A 429's Retry-After header, from its Status' details.retryAfterSeconds. */
function retryAfterHeader(response: { readonly status: number; readonly body: unknown }): { 'retry-after'?: string } {
  if (response.status !== 429) return {}
  const seconds = (response.body as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details?.retryAfterSeconds
  return typeof seconds === 'number' ? { 'retry-after': String(seconds) } : {}
}

/** The body, or 'too-large' past {@link MAX_REQUEST_BODY_BYTES} (reading stops there). */
function readBody(req: IncomingMessage): Promise<Uint8Array | undefined | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_REQUEST_BODY_BYTES) {
        // Stop buffering; what else arrives is discarded until the answer is out.
        req.removeAllListeners('data')
        req.on('data', () => {})
        resolve('too-large')
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** A span name's path: the resource route with placeholders (`/api/v1/namespaces/{namespace}/pods/{name}`), few distinct values. */
function routeTemplate(path: string): string {
  const routed = routeResource(path)
  if (!routed.ok) return routed.reason === 'unknown-resource' ? '{unknown}' : path
  const { resource, namespace, name, subresource } = routed.path
  const base = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`
  return `${base}${namespace !== undefined ? '/namespaces/{namespace}' : ''}/${resource.name}${name !== undefined ? '/{name}' : ''}${subresource !== undefined ? `/${subresource}` : ''}`
}
