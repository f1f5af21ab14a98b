/**
 * The Node and Lease objects a kubelet writes, as pure functions of its config and the time: the
 * Node it registers (capacity, allocatable, labels, taints, addresses, Ready), the status patch
 * that puts a node it finds not Ready (after an outage) back to Ready, and its heartbeat Lease.
 */
import { rfc3339Seconds } from '../apiserver/meta/object-meta.ts'
import type { Condition, Lease, Node } from '../kube/objects.ts'
import { microTime } from '../leader/lease-election.ts'
import type { KubeletOptions } from './kubelet-options.ts'
import { NODE_VOLUME_DIR_ANNOTATION } from '../kube/storage.ts'

export const NODE_LEASE_NAMESPACE = 'kube-node-lease'
export const KUBELET_VERSION = 'v1.32.0-actorkube'

export interface NodeIdentity {
  readonly name: string
  readonly options: KubeletOptions
  /** The read-only endpoint's port, once it listens. */
  readonly readOnlyPort?: number
  /** Where its kubelet keeps local volumes (process runtime): the local provisioner makes their paths there. */
  readonly volumeDir?: string
}

const PRESSURES = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
] as const

export function nodeConditions(now: number): Condition[] {
  const time = rfc3339Seconds(now)
  const at = { lastHeartbeatTime: time, lastTransitionTime: time }
  return [
    ...PRESSURES.map(([type, reason, message]) => ({ type, status: 'False' as const, reason, message, ...at })),
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', ...at },
  ]
}

export function registrationNode(identity: NodeIdentity, now: number): Node {
  const { name, options } = identity
  const resources = { cpu: options.capacity.cpu, memory: options.capacity.memory, pods: String(options.capacity.pods) }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.actorkube.io/runtime': options.runtime,
        ...options.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', ...(identity.volumeDir === undefined ? {} : { [NODE_VOLUME_DIR_ANNOTATION]: identity.volumeDir }) },
    },
    spec: {
      ...(options.taints.length > 0 ? { taints: options.taints } : {}),
      ...(options.podCidr ? { podCIDR: options.podCidr } : {}),
    },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: nodeConditions(now),
      addresses: [
        { type: 'InternalIP', address: options.nodeIP },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        containerRuntimeVersion: `${options.runtime}://0.1.0`,
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'actorkube',
        kernelVersion: '',
        machineID: name,
        systemUUID: name,
        bootID: '',
      },
      ...(identity.readOnlyPort !== undefined ? { daemonEndpoints: { kubeletEndpoint: { Port: identity.readOnlyPort } } } : {}),
    },
  }
}

/**
 * The status patch for a node this kubelet carries, or undefined when it is fine: a node the
 * controller manager marked Unknown (its heartbeats stopped for a while) is Ready again once its
 * kubelet runs, and only the kubelet says so.
 */
export function readyAgainPatch(node: Node, now: number): { status: { conditions: Condition[] } } | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
  if (ready?.status === 'True') return undefined
  return { status: { conditions: nodeConditions(now) } }
}

export function nodeLease(name: string, options: Pick<KubeletOptions, 'leaseDurationSeconds'>, now: number, resourceVersion?: string): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: NODE_LEASE_NAMESPACE, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    spec: { holderIdentity: name, leaseDurationSeconds: options.leaseDurationSeconds, renewTime: microTime(now) },
  }
}
