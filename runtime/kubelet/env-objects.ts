/**
 * The kubelet's reads of the ConfigMaps and Secrets a container's env refers to
 * (configMapKeyRef, secretKeyRef, envFrom), through the cluster API over NATS, at each start of
 * the container (Kubernetes reads them at every start, not live). The pod actor says what to read
 * and resolves the env from what was found (actors/pod/env.ts); this only fetches.
 */
import { envObjectFrom, envObjectKey, envObjectPath, type EnvObject, type EnvObjectRef, type EnvObjects } from '../../actors/pod/env.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import type { EngineDeps } from '../engine.ts'
import { randomClientId } from '../random.ts'

/** What pod-runtime.ts asks for a container's cri.readEnvObjects. */
export interface EnvObjectReader {
  /** Every ref answered: its data, not found, or the error that kept it from being read. Never rejects. */
  read(namespace: string, refs: readonly EnvObjectRef[]): Promise<EnvObjects>
}

/** The fetch itself: one GET per object, side by side. */
export function apiEnvObjects(api: Pick<ApiClient, 'call'>): EnvObjectReader {
  return {
    async read(namespace, refs) {
      const found = await Promise.all(
        refs.map(async (ref): Promise<[string, EnvObject]> => {
          try {
            const answer = await api.call('GET', envObjectPath(namespace, ref))
            return [envObjectKey(ref), envObjectFrom(ref.kind, answer.status, answer.body)]
          } catch (error) {
            return [envObjectKey(ref), { error: error instanceof Error ? error.message : String(error) }]
          }
        }),
      )
      return Object.fromEntries(found)
    },
  }
}

/** A kubelet host's reader, with an API client of its own; `close` closes the client. */
export function envObjectReader(apiservers: readonly string[], deps: EngineDeps): { reader: EnvObjectReader; close(): Promise<void> } {
  const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers, clock: deps.clock, clientId: randomClientId('env', deps.random) })
  return { reader: apiEnvObjects(api), close: () => api.close() }
}
