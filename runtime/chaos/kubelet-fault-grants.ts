/**
 * Where the chaos controller sends a pod or node fault (actors/chaos/kubelet-faults.ts): to each
 * host whose kubelet carries a target's node (a pod's node read from the API), one grant per
 * host naming its targets, so that the fault's one lease id holds them all there. The host holds
 * it as a lease (runtime/chaos/fault-leases.ts) and lifts it by itself if no renewal comes.
 */
import { kubeletFaultOf, kubeletHostOf, type KubeletFault } from '../../actors/chaos/kubelet-faults.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { KnownHost } from './chaos-targets.ts'

export interface KubeletGrant {
  readonly host: string
  readonly fault: { readonly kind: 'kubelet'; readonly fault: KubeletFault }
}

export async function kubeletGrants(kind: KubeletFault['action'], targets: readonly string[], params: Readonly<Record<string, unknown>>, sources: { readonly api: ApiClient; hosts(): Promise<readonly KnownHost[]> }): Promise<KubeletGrant[]> {
  const hosts = await sources.hosts()
  const byHost = new Map<string, string[]>()
  for (const target of targets) {
    const node = kind === 'kubelet-stop' ? target : await nodeOfPod(target, sources.api)
    const host = kubeletHostOf(node, hosts)
    if (host === undefined) throw new Error(`no host answers for the kubelet of node ${node}`)
    byHost.set(host, [...(byHost.get(host) ?? []), target])
  }
  return [...byHost].map(([host, onHost]) => ({ host, fault: { kind: 'kubelet', fault: kubeletFaultOf(kind, onHost, params) } }))
}

async function nodeOfPod(pod: string, api: ApiClient): Promise<string> {
  const [namespace, name] = pod.split('/')
  const object = (await api.get(`/api/v1/namespaces/${namespace}/pods/${name}`)) as { spec?: { nodeName?: string } }
  const node = object.spec?.nodeName
  if (node === undefined || node === '') throw new Error(`pod ${pod} is not bound to a node yet`)
  return node
}
