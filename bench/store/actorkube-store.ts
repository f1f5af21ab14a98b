/**
 * actorkube's store as a `KvStore` for the workloads, through `StoreClient` over NATS: `connections`
 * NATS connections, one StoreClient each (clients are cheap and share nothing but the connection);
 * client `i` uses connection `i % connections`, as etcd-store.ts spreads clients over gRPC channels.
 */
import { StoreClient } from '../../runtime/store/store-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import type { KvClient, KvStore } from './workload.ts'

export interface ActorkubeStore extends KvStore {
  close(): Promise<void>
}

export async function actorkubeStore(options: { readonly natsUrl: string; readonly cluster: string; readonly replicas: readonly string[]; readonly connections: number }): Promise<ActorkubeStore> {
  const transports = await Promise.all(
    Array.from({ length: options.connections }, (_, i) => NatsTransport.connect({ servers: [options.natsUrl], name: `bench-client-${i}` })),
  )
  const stores = transports.map((transport) => new StoreClient({ transport, cluster: options.cluster, replicas: options.replicas }))
  const clients = stores.map(storeKvClient)
  return {
    client: (index) => clients[index % clients.length]!,
    async close() {
      await Promise.all(stores.map((s) => s.close().catch(() => {})))
      await Promise.all(transports.map((t) => t.close().catch(() => {})))
    },
  }
}

export function storeKvClient(client: StoreClient): KvClient {
  return {
    async put(key, value, options) {
      await client.put(key, value, options?.timeoutMs !== undefined ? { deadlineMs: options.timeoutMs } : {})
    },
    async watchPrefix(prefix, onPut) {
      const watch = await client.watch({ key: prefix, prefix: true }, (events) => {
        for (const event of events) if (event.type === 'PUT') onPut()
      })
      return { close: async () => await watch.cancel() }
    },
  }
}
