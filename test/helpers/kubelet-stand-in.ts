/**
 * Plays the kubelets of Node objects a control-plane test created, until worker nodes run in
 * those tests: renews each node's Lease in kube-node-lease, marks pods bound to a live node
 * Running and Ready, and removes its pods being deleted (the kubelet has stopped them).
 */
import { rfc3339Seconds } from '../../actors/apiserver/meta/object-meta.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { microTime } from '../../actors/leader/lease-election.ts'
import type { ApiClient } from '../../runtime/apiserver/api-client.ts'

export interface KubeletStandIn {
  /** The node's kubelet stops: no more heartbeats, its pods are left as they are. */
  kill(name: string): void
  stop(): Promise<void>
}

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'

export function kubeletStandIn(api: ApiClient, nodes: readonly string[], intervalMs = 300): KubeletStandIn {
  const alive = new Set(nodes)
  let stopped = false
  const beat = async () => {
    while (!stopped) {
      await Promise.all(
        [...alive].map(async (name) => {
          const path = `${LEASES}/${name}`
          const lease = await api.get(path).catch(() => undefined)
          const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease', ...(lease ? { resourceVersion: lease.metadata?.resourceVersion } : {}) }, spec: { holderIdentity: name, leaseDurationSeconds: 5, renewTime: microTime(Date.now()) } }
          await (lease ? api.update(path, body) : api.create(LEASES, body)).catch(() => undefined)
        }),
      )
      const pods = await api.list('/api/v1/pods').catch(() => ({ items: [] as KubeObject[] }))
      for (const pod of pods.items) {
        const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName
        if (!node || !alive.has(node)) continue
        const path = `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}`
        if (pod.metadata?.deletionTimestamp) {
          await api.call('DELETE', path, { body: { gracePeriodSeconds: 0 } }).catch(() => undefined)
          continue
        }
        if ((pod.status as { phase?: string } | undefined)?.phase === 'Running') continue
        const now = rfc3339Seconds(Date.now())
        const status = { phase: 'Running', podIP: '10.0.0.1', startTime: now, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }] }
        await api.patch(`${path}/status`, { status }, 'application/strategic-merge-patch+json').catch(() => undefined)
      }
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  }
  const done = beat()
  return {
    kill: (name) => void alive.delete(name),
    stop: async () => {
      stopped = true
      await done
    },
  }
}
