/** Hand-built nodes, pods and NodeInfos for the scheduler's tests. */
import type { Node, Pod, PodSpec, Taint } from '../../../actors/kube/objects.ts'
import { CycleState } from '../../../actors/scheduler/framework/cycle-state.ts'
import { NodeInfo } from '../../../actors/scheduler/framework/node-info.ts'
import { PodInfo } from '../../../actors/scheduler/framework/pod-info.ts'
import { Snapshot } from '../../../actors/scheduler/framework/snapshot.ts'
import { seededRandom } from '../../../runtime/random.ts'

export interface NodeOptions {
  cpu?: string
  memory?: string
  pods?: number
  labels?: Record<string, string>
  taints?: Taint[]
  unschedulable?: boolean
}

export function node(name: string, o: NodeOptions = {}): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? 110 } },
  }
}

export interface PodOptions extends Partial<PodSpec> {
  cpu?: string
  memory?: string
  labels?: Record<string, string>
  namespace?: string
  uid?: string
  deleting?: boolean
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const { cpu, memory, labels, namespace, uid, deleting, ...spec } = o
  const requests: Record<string, string> = {}
  if (cpu !== undefined) requests.cpu = cpu
  if (memory !== undefined) requests.memory = memory
  return {
    metadata: { name, namespace: namespace ?? 'default', uid: uid ?? `uid-${name}`, labels, deletionTimestamp: deleting ? '2024-01-01T00:00:00Z' : undefined },
    spec: { containers: [{ name: 'c', resources: { requests } }], ...spec },
  }
}

export const podInfo = (name: string, o: PodOptions = {}): PodInfo => new PodInfo(pod(name, o))

/** A NodeInfo with the given pods bound to it. */
export function nodeInfo(n: Node, pods: Pod[] = []): NodeInfo {
  return NodeInfo.of(
    n,
    pods.map((p) => new PodInfo({ ...p, spec: { ...p.spec, nodeName: n.metadata.name } })),
  )
}

export const snapshotOf = (...nis: NodeInfo[]): Snapshot => Snapshot.of(nis)

export const newState = (): CycleState => new CycleState()

/** Deterministic [0, 1) numbers. */
export const seeded = seededRandom
