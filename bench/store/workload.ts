/**
 * Store workloads over a small interface, so that etcd and actorkube's own store run the very same
 * drivers: put throughput and latency with C concurrent clients, watch event throughput, and
 * leader failover (kill -9 the leader, time until the next committed write).
 */

/** One client's view of a key-value store: what the workloads need and nothing more. */
export interface KvClient {
  /** Resolves once the write is committed (acknowledged by the store). */
  put(key: string, value: Uint8Array, options?: { readonly timeoutMs?: number }): Promise<void>
  /** Calls `onPut` for every put under `prefix` from now on; resolves once the watch is established. */
  watchPrefix(prefix: string, onPut: () => void): Promise<{ close(): Promise<void> }>
}

/** Something that hands out clients (each its own connection where the store has such a thing). */
export interface KvStore {
  /** A client; `index` lets a store spread clients over connections. */
  client(index: number): KvClient
}

/** A replicated store whose members can be killed and restarted, for failover. */
export interface FailoverTarget {
  leader(): Promise<number | undefined>
  kill(index: number): Promise<void>
  restart(index: number): Promise<void>
  waitHealthy(timeoutMs?: number): Promise<number>
}

export interface Percentiles {
  readonly p50: number
  readonly p99: number
}

/** Nearest-rank percentiles of unsorted samples (sorted here). */
export function percentiles(samples: Float64Array | readonly number[]): Percentiles {
  if (samples.length === 0) throw new RangeError('percentiles of no samples')
  const sorted = Float64Array.from(samples).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
  return { p50: at(0.5), p99: at(0.99) }
}

export const VALUE_BYTES = 256

export function value(bytes = VALUE_BYTES): Uint8Array {
  const v = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) v[i] = 97 + (i % 26)
  return v
}

export interface PutRun {
  readonly count: number
  readonly seconds: number
  /** Per-put latency, milliseconds. */
  readonly latencyMs: Percentiles
}

/**
 * `concurrency` clients, each issuing sequential puts (one in flight per client) of `valueBytes`
 * to keys spread over `keySpace` keys under `prefix`, until `durationMs` has passed. The run ends
 * when every client's last put returns; time and count cover all of them.
 */
export async function putThroughput(
  store: KvStore,
  options: { readonly concurrency: number; readonly durationMs: number; readonly prefix: string; readonly keySpace: number; readonly valueBytes?: number },
): Promise<PutRun> {
  const body = value(options.valueBytes)
  const clients = Array.from({ length: options.concurrency }, (_, i) => store.client(i))
  const latencies: number[] = []
  const t0 = performance.now()
  const stopAt = t0 + options.durationMs
  await Promise.all(
    clients.map(async (client, c) => {
      // Each client walks its own stride through the key space, so concurrent clients rarely share a key.
      let k = (c * 7919) % options.keySpace
      while (performance.now() < stopAt) {
        const start = performance.now()
        await client.put(`${options.prefix}${k.toString().padStart(6, '0')}`, body)
        latencies.push(performance.now() - start)
        k = (k + 1) % options.keySpace
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  return { count: latencies.length, seconds, latencyMs: percentiles(latencies) }
}

export interface WatchRun {
  /** Events the watcher saw. */
  readonly count: number
  /** From the first put to the watcher seeing the last event. */
  readonly seconds: number
}

/**
 * One watcher on `prefix` (its own client) counts put events while `writers` clients put `count`
 * values in total under that prefix; timed from the first put to the watcher's `count`th event.
 */
export async function watchThroughput(
  store: KvStore,
  options: { readonly writers: number; readonly count: number; readonly prefix: string; readonly timeoutMs: number; readonly valueBytes?: number },
): Promise<WatchRun> {
  const body = value(options.valueBytes)
  let seen = 0
  let resolveAll: () => void = () => {}
  const all = new Promise<void>((resolve) => (resolveAll = resolve))
  const watcher = await store.client(options.writers).watchPrefix(options.prefix, () => {
    if (++seen === options.count) resolveAll()
  })
  try {
    const clients = Array.from({ length: options.writers }, (_, i) => store.client(i))
    let next = 0
    const t0 = performance.now()
    await Promise.all(
      clients.map(async (client) => {
        while (next < options.count) {
          const n = next++
          await client.put(`${options.prefix}${n.toString().padStart(8, '0')}`, body)
        }
      }),
    )
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`watcher saw ${seen} of ${options.count} events within ${options.timeoutMs} ms`)), options.timeoutMs)
    })
    try {
      await Promise.race([all, timeout])
    } finally {
      clearTimeout(timer)
    }
    return { count: seen, seconds: (performance.now() - t0) / 1000 }
  } finally {
    await watcher.close()
  }
}

export interface FailoverTrial {
  readonly killed: number
  readonly newLeader: number | undefined
  /** From the SIGKILL to the first put that the store acknowledged afterwards. */
  readonly recoveryMs: number
  /** Puts that failed or timed out in between. */
  readonly failedAttempts: number
}

/**
 * One trial: find the leader, SIGKILL it, and retry a put through `client` (which knows every
 * member) with `attemptTimeoutMs` per attempt until one succeeds; then restart the killed member
 * and wait until the cluster is healthy again.
 */
export async function failoverTrial(
  target: FailoverTarget,
  client: KvClient,
  options: { readonly key: string; readonly attemptTimeoutMs: number; readonly giveUpMs: number },
): Promise<FailoverTrial> {
  const killed = await target.waitHealthy()
  // A write before the kill proves the client's connections are up, so the trial times failover only.
  await client.put(options.key, value())
  const t0 = performance.now()
  await target.kill(killed)
  let failedAttempts = 0
  for (;;) {
    try {
      await client.put(options.key, value(), { timeoutMs: options.attemptTimeoutMs })
      break
    } catch (error) {
      failedAttempts++
      if (performance.now() - t0 > options.giveUpMs) throw new Error(`no write committed ${options.giveUpMs} ms after killing the leader: ${String(error)}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  const recoveryMs = performance.now() - t0
  const newLeader = await target.leader()
  await target.restart(killed)
  await target.waitHealthy()
  return { killed, newLeader, recoveryMs, failedAttempts }
}
