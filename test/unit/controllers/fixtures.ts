/** Builders of the objects the controller tests feed in, on a simulated clock (plain epoch ms). */
import type { Condition, Deployment, Lease, Node, Pod, PodPhase, ReplicaSet, Service } from '../../../actors/kube/objects.ts'
import type { Action } from '../../../actors/controllers/actions.ts'

/** The simulated clock's origin: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1)
export const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

export interface PodOpts {
  readonly name: string
  readonly ns?: string
  readonly uid?: string
  readonly labels?: Record<string, string>
  readonly owner?: { kind: string; name: string; uid: string; apiVersion?: string }
  readonly node?: string
  readonly phase?: PodPhase
  readonly ready?: boolean
  readonly readySince?: number
  readonly created?: number
  readonly restarts?: number
  readonly deleting?: boolean
  readonly ip?: string
  readonly tolerations?: Pod['spec']['tolerations']
  readonly ports?: { name?: string; containerPort: number; protocol?: string }[]
}

export function pod(o: PodOpts): Pod {
  const conditions: Condition[] = o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: at(o.readySince ?? T0) }]
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.ns ?? 'default',
      uid: o.uid ?? `uid-${o.name}`,
      resourceVersion: '1',
      creationTimestamp: at(o.created ?? T0),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: o.owner.apiVersion ?? 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: o.owner.uid, controller: true, blockOwnerDeletion: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: at(T0) } : {}),
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      containers: [{ name: 'c', image: 'nginx', ...(o.ports ? { ports: o.ports } : {}) }],
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions,
      ...(o.ip ? { podIP: o.ip } : {}),
      ...(o.restarts !== undefined ? { containerStatuses: [{ name: 'c', restartCount: o.restarts }] } : {}),
    },
  }
}

export const template = (labels: Record<string, string>, image = 'nginx:1'): ReplicaSet['spec']['template'] => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image }] },
})

export function replicaSet(o: { name: string; uid?: string; replicas: number; labels?: Record<string, string>; minReadySeconds?: number; generation?: number; status?: ReplicaSet['status'] }): ReplicaSet {
  const labels = o.labels ?? { app: 'web' }
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: o.name, namespace: 'default', uid: o.uid ?? `uid-${o.name}`, resourceVersion: '10', generation: o.generation ?? 1, creationTimestamp: at(T0) },
    spec: { replicas: o.replicas, selector: { matchLabels: labels }, template: template(labels), ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}) },
    ...(o.status ? { status: o.status } : {}),
  }
}

export type { Deployment, Lease, Node, Service }

/** A compact view of actions for exact assertions: `create /api/v1/namespaces/default/pods`. */
export function summary(actions: readonly Action[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'event':
        return `event ${a.event.type} ${a.event.reason} ${a.event.involvedObject.kind}/${a.event.involvedObject.name}: ${a.event.message}`
      case 'delete':
        return `delete ${a.path}${a.propagationPolicy ? ` (${a.propagationPolicy})` : ''}`
      case 'patch':
        return `patch ${a.path} ${JSON.stringify(a.body)}`
      default:
        return `${a.type} ${a.path}`
    }
  })
}
