/**
 * The two ways in for the api suite, behind one interface: HTTPS (node:https, keep-alive agents,
 * bearer token, the cluster's CA; requests round-robin over every apiserver) and NATS (ApiClient
 * over NatsTransport; each ApiClient round-robins over the apiservers itself). Both parse the
 * answer's JSON body, as a client would.
 */
import { Agent, request, type RequestOptions } from 'node:https'
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import type { ApiCluster } from './cluster.ts'

export interface ApiAnswer {
  readonly status: number
  readonly body: unknown
  /** The Retry-After header (seconds) of a 429. */
  readonly retryAfterSeconds?: number
}

/** As client-go (and ApiClient over NATS): a 429 is sent again after its Retry-After, at most this often. */
const MAX_RETRIES_ON_429 = 10
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface Api {
  readonly name: 'https' | 'nats'
  /** One call; rejects on transport failure only (4xx/5xx resolve with their status). */
  call(method: string, path: string, body?: unknown): Promise<ApiAnswer>
  close(): Promise<void>
}

/** HTTPS with `connectionsPerServer` keep-alive connections to each apiserver. */
export function httpsApi(cluster: ApiCluster, connectionsPerServer: number): Api {
  const agents = cluster.apiservers.map(() => new Agent({ keepAlive: true, maxSockets: connectionsPerServer, maxFreeSockets: connectionsPerServer, ca: cluster.ca }))
  const auth = `Bearer ${cluster.token}`
  let next = 0
  const once = (i: number, method: string, path: string, payload: string | undefined) =>
    new Promise<ApiAnswer>((resolve, reject) => {
      const server = cluster.apiservers[i]!
      const options: RequestOptions = {
        host: server.hostname,
        port: server.port,
        method,
        path,
        agent: agents[i],
        headers: {
          authorization: auth,
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      }
      const req = request(options, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: unknown = text
          try {
            body = JSON.parse(text)
          } catch {
            // not JSON: keep the text
          }
          const retryAfter = Number(res.headers['retry-after'])
          resolve({ status: res.statusCode ?? 0, body, ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}) })
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(payload)
    })
  return {
    name: 'https',
    async call(method, path, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const attempt = async () => {
        const i = next++ % agents.length
        try {
          return await once(i, method, path, payload)
        } catch (error) {
          // A kept-alive socket the server closed meanwhile (keepAliveTimeout): retry once on a new one.
          if ((error as NodeJS.ErrnoException).code === 'ECONNRESET') return await once(i, method, path, payload)
          throw error
        }
      }
      let answer = await attempt()
      for (let retry = 0; answer.status === 429 && retry < MAX_RETRIES_ON_429; retry++) {
        await sleep((answer.retryAfterSeconds ?? 1) * 1000)
        answer = await attempt()
      }
      return answer
    },
    async close() {
      for (const a of agents) a.destroy()
    },
  }
}

/** NATS: `connections` NatsTransports, one ApiClient each, used in turn. */
export async function natsApi(cluster: ApiCluster, connections: number): Promise<Api> {
  const transports = await Promise.all(Array.from({ length: connections }, (_, i) => NatsTransport.connect({ servers: [cluster.natsUrl], name: `bench-api-${i}` })))
  const clients = transports.map((transport) => new ApiClient({ transport, cluster: cluster.cluster, apiservers: cluster.apiserverIds, timeoutMs: 10_000 }))
  let next = 0
  return {
    name: 'nats',
    async call(method, path, body) {
      const client = clients[next++ % clients.length]!
      return await client.call(method, path, body === undefined ? {} : { body })
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      await Promise.all(transports.map((t) => t.close().catch(() => {})))
    },
  }
}
