/** etcd as a `KvStore` for the workloads, through the `etcd3` client (gRPC over @grpc/grpc-js). */
import { Etcd3, type IOptions } from 'etcd3'
import type { KvClient, KvStore } from './workload.ts'

export interface EtcdStore extends KvStore {
  close(): void
}

type Policy = Exclude<NonNullable<IOptions['faultHandling']>['global'], undefined>

/**
 * A fault-handling policy that only runs the call. etcd3's defaults wrap every host in a circuit
 * breaker (open after 3 consecutive failures, half-open after 5 s) and retry 3 times: during a
 * leader election every member fails a few puts, every breaker opens, and the client refuses to
 * try again for 5 s, which would time the client's back-off instead of etcd's failover. The
 * workloads do their own retrying.
 */
const passThrough: Policy = {
  get _altReturn(): never {
    throw new Error('virtual property')
  },
  onSuccess: () => ({ dispose: () => {} }),
  onFailure: () => ({ dispose: () => {} }),
  execute: async (fn, signal) => await fn({ signal: signal ?? new AbortController().signal }),
}

/**
 * `connections` Etcd3 objects (one gRPC channel, one HTTP/2 connection per host each); client `i`
 * uses connection `i % connections`, so many concurrent clients multiplex their calls over few
 * connections, as gRPC intends.
 */
export function etcdStore(hosts: readonly string[], connections: number): EtcdStore {
  const pool = Array.from({ length: connections }, () => new Etcd3({ hosts: [...hosts], dialTimeout: 2_000, faultHandling: { host: () => passThrough, global: passThrough } }))
  const clients = pool.map(etcdClient)
  return {
    client: (index) => clients[index % clients.length]!,
    close: () => {
      for (const etcd of pool) etcd.close()
    },
  }
}

export function etcdClient(etcd: Etcd3): KvClient {
  return {
    async put(key, value, options) {
      const body = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      const put = etcd.put(key).value(body)
      if (options?.timeoutMs !== undefined) put.options({ deadline: Date.now() + options.timeoutMs })
      await put.exec()
    },
    async watchPrefix(prefix, onPut) {
      const watcher = await etcd.watch().prefix(prefix).create()
      watcher.on('put', () => onPut())
      return { close: async () => await watcher.cancel() }
    },
  }
}
