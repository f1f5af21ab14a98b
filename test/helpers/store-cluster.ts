/**
 * Three store replicas (s1, s2, s3), each in its own host process (h-s1, h-s2, h-s3) on one real
 * nats-server, plus what fault-injection tests of the store keep needing: replica statuses, the
 * current leader, chaos commands acknowledged by every host, StoreClients, and a convergence check
 * (every replica at the same revision with the same contents).
 */
import { join } from 'node:path'
import type { KeyValue } from '../../actors/store/mvcc/types.ts'
import type { StatusReply } from '../../actors/store/replica/protocol.ts'
import { StoreClient, type StoreClientOptions } from '../../runtime/store/store-client.ts'
import { RawClient, type ChaosCommand } from './client.ts'
import { startHost, type HostSpec, type TestHost } from './hosts.ts'
import { startNatsFor, type TeardownOwner } from './nats.ts'
import { waitFor } from './wait.ts'

export const VOTERS = ['s1', 's2', 's3'] as const
export const hostOf = (id: string): string => `h-${id}`
export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const decode = (b: Uint8Array | undefined): string | undefined => (b ? new TextDecoder().decode(b) : undefined)

export interface StoreCluster {
  readonly raw: RawClient
  readonly hosts: Map<string, TestHost>
  readonly dir: string
  /** Starts (or restarts, on the same data directory) replica `id`'s host. */
  start(id: string): Promise<TestHost>
  /** kill -9 of replica `id`'s host. */
  kill(id: string): Promise<void>
  /** A StoreClient over every replica (on the raw client's connection unless given a transport), closed at teardown. */
  client(options?: Partial<Omit<StoreClientOptions, 'cluster'>>): StoreClient
  /** Each replica's status (undefined where it did not answer in time). */
  statuses(): Promise<Map<string, StatusReply | undefined>>
  /** Waits for a replica (other than `except`) to claim leadership; the highest term wins. */
  leader(options?: { except?: string; timeoutMs?: number }): Promise<StatusReply>
  /** Sends a chaos command to each listed host (all by default) and waits for every acknowledgement. */
  chaos(command: ChaosCommand, hosts?: readonly string[]): Promise<void>
  /** Waits until every replica answers with the same revision and applied index, then returns each one's contents. */
  converged(prefix: string, timeoutMs?: number): Promise<{ revision: number; perReplica: Map<string, { revision: number; kvs: readonly KeyValue[] }> }>
}

export async function storeCluster(t: TeardownOwner, options: Record<string, unknown> = {}): Promise<StoreCluster> {
  const nats = await startNatsFor(t)
  const spec = (id: string): HostSpec => ({
    host: hostOf(id),
    maxMessageBytes: 4 * 1024 * 1024,
    backoff: { initialMs: 50, maxMs: 500 },
    actors: [{ kind: 'store', id, options: { dataDir: join(nats.dir, 'store', id), voters: [...VOTERS], ...options } }],
  })
  const hosts = new Map<string, TestHost>()
  const start = async (id: string): Promise<TestHost> => {
    const host = await startHost(t, nats.dir, nats.url, spec(id))
    hosts.set(id, host)
    return host
  }
  await Promise.all(VOTERS.map(start))
  const raw = await RawClient.connectFor(t, nats.url)
  const clients: StoreClient[] = []
  t.teardown(async () => {
    for (const c of clients) await c.close().catch(() => undefined)
  })

  // One try per replica (StoreClient.status), so a silent replica shows as undefined at once.
  const statusClient = new StoreClient({ transport: raw.transport, cluster: raw.cluster, replicas: [...VOTERS], requestTimeoutMs: 500 })
  t.teardown(() => statusClient.close())
  const statuses = async (): Promise<Map<string, StatusReply | undefined>> => {
    const replies = await Promise.all(VOTERS.map((id) => statusClient.status(id).catch(() => undefined)))
    return new Map(VOTERS.map((id, i) => [id, replies[i]]))
  }

  const cluster: StoreCluster = {
    raw,
    hosts,
    dir: nats.dir,
    start,
    async kill(id) {
      await hosts.get(id)?.stop('SIGKILL')
    },
    client(opts = {}) {
      const c = new StoreClient({ transport: raw.transport, cluster: raw.cluster, replicas: [...VOTERS], ...opts })
      clients.push(c)
      return c
    },
    statuses,
    leader({ except, timeoutMs = 15_000 } = {}) {
      return waitFor(
        async () => {
          let best: StatusReply | undefined
          for (const s of (await statuses()).values()) {
            if (s?.role === 'leader' && s.id !== except && (best === undefined || s.term > best.term)) best = s
          }
          return best
        },
        { timeoutMs, what: `a store leader${except ? ` other than ${except}` : ''}` },
      )
    },
    async chaos(command, only = VOTERS.map(hostOf)) {
      await Promise.all(only.map((host) => raw.chaos(host, command)))
    },
    async converged(prefix, timeoutMs = 20_000) {
      const status = await waitFor(
        async () => {
          const all = [...(await statuses()).values()]
          if (all.some((s) => s === undefined)) return undefined
          const first = all[0]!
          return all.every((s) => s!.revision === first.revision && s!.applied === first.applied && s!.commit === first.applied) ? first : undefined
        },
        { timeoutMs, what: 'every replica at the same revision' },
      )
      return { revision: status.revision, perReplica: await contentsPerReplica(cluster, prefix) }
    },
  }
  return cluster
}

/** Each replica's own contents under `prefix` (serializable reads pinned to one replica each). */
export async function contentsPerReplica(cluster: StoreCluster, prefix: string): Promise<Map<string, { revision: number; kvs: readonly KeyValue[] }>> {
  const out = new Map<string, { revision: number; kvs: readonly KeyValue[] }>()
  for (const id of VOTERS) {
    // A client whose only replica is `id`: a serializable read cannot be served anywhere else.
    const pinned = cluster.client({ replicas: [id], requestTimeoutMs: 1000, deadlineMs: 5000 })
    const r = await pinned.range({ key: prefix, prefix: true }, { serializable: true })
    out.set(id, { revision: r.revision, kvs: r.kvs })
    await pinned.close()
  }
  return out
}

/** A key-value pair in a form `t.same` compares well. */
export function plain(kv: KeyValue): { key: string; value: string | undefined; modRevision: number; createRevision: number; version: number } {
  return { key: kv.key, value: decode(kv.value), modRevision: kv.modRevision, createRevision: kv.createRevision, version: kv.version }
}
