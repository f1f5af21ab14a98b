/**
 * The Service environment variables of a process pod's containers (actors/pod/service-links.ts
 * decides them): when the pod's sandbox is set up, the Services of its namespace and the
 * `kubernetes` Service are read through the cluster API over NATS, and each one with a cluster IP
 * gives `<NAME>_SERVICE_HOST`/`_PORT` and the Docker link variables at the address kube-proxy
 * serves it at (127.96.b.c for 10.96.b.c). Joined first with the pod's volumes
 * (joined-volumes.ts), so every other source wins over them, as in the kubelet.
 *
 * The kubelet reads Services from an informer at each container start; here they are read once
 * per sandbox, so a Service made after the pod started shows up when its sandbox is made again.
 * A read that fails fails the sandbox, which the pod actor retries with back-off (the kubelet
 * refuses to build a container's env before it has read the Services).
 */
import type { Pod, Service } from '../../actors/kube/objects.ts'
import { linkedServices, MASTER_SERVICE_NAMESPACE, serviceLinkEnv } from '../../actors/pod/service-links.ts'
import { localAddressOf } from '../../actors/proxy/addresses.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import type { EngineDeps } from '../engine.ts'
import { randomClientId } from '../random.ts'
import type { VolumeKind } from './joined-volumes.ts'

type ServiceRead = Pick<ApiClient, 'call'>

async function readServices(api: ServiceRead, path: string, notFoundIsEmpty: boolean): Promise<Service[]> {
  const answer = await api.call('GET', path)
  if (answer.status === 404 && notFoundIsEmpty) return []
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status}`)
  const body = answer.body as { items?: Service[] } & Service
  return body.items ?? [body]
}

/** The env source itself, over any API client (tests give a fake one). */
export function serviceLinkSource(api: ServiceRead): VolumeKind {
  return {
    async mount(pod: Pod) {
      const namespace = pod.metadata.namespace ?? 'default'
      const enabled = pod.spec.enableServiceLinks ?? true
      const [own, master] = await Promise.all([
        enabled ? readServices(api, `/api/v1/namespaces/${namespace}/services`, false) : Promise.resolve([]),
        readServices(api, `/api/v1/namespaces/${MASTER_SERVICE_NAMESPACE}/services/kubernetes`, true),
      ])
      return serviceLinkEnv(linkedServices([...master, ...own], namespace, enabled), (s) => localAddressOf(s.spec.clusterIP ?? ''))
    },
    unmount() {},
  }
}

/** A kubelet host's source, with an API client of its own; `close` closes the client. */
export function serviceLinkEnvSource(apiservers: readonly string[], deps: EngineDeps): { readonly source: VolumeKind; close(): Promise<void> } {
  const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers, clock: deps.clock, clientId: randomClientId('svc-env', deps.random) })
  return { source: serviceLinkSource(api), close: () => api.close() }
}
