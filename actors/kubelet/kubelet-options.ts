/**
 * What a host config says about the nodes a `kubelet` actor carries: one node (a worker host
 * with the process runtime) or a pool of many (hollow nodes, as kubemark does), their capacity,
 * labels and taints, and how fast they heartbeat.
 */
import type { Taint } from '../kube/objects.ts'
import { apiserverIds, optionsObject, positiveNumber } from '../kit/options.ts'

export type RuntimeName = 'process' | 'hollow'

export interface NodeCapacity {
  readonly cpu: string
  readonly memory: string
  readonly pods: number
}

export interface KubeletOptions {
  /** The apiserver (master) ids. */
  readonly apiservers: readonly string[]
  readonly runtime: RuntimeName
  /** How many nodes this actor carries; one is named after the actor, more are `<id>-<n>`. */
  readonly nodes: number
  readonly capacity: NodeCapacity
  readonly labels: Readonly<Record<string, string>>
  readonly taints: readonly Taint[]
  /** The node's InternalIP: where its NodePorts and read-only endpoint listen. */
  readonly nodeIP: string
  /** Pod addresses come from here (process: loopback addresses, one per pod). Empty: the runtime's default. */
  readonly podCidr: string
  /** The read-only HTTP endpoint (/healthz, /pods, /stats) on nodeIP; 0 picks a free port, null serves none. */
  readonly readOnlyPort: number | null
  /** The node Lease's duration; the lease is renewed every `leaseRenewIntervalMs`. */
  readonly leaseDurationSeconds: number
  readonly leaseRenewIntervalMs: number
  /** Crash-loop back-off of containers (Kubernetes: 10 s doubling to 300 s). */
  readonly backoffInitialMs: number
  readonly backoffMaxMs: number
  /** Where the process runtime keeps logs; empty: `.actorkube/kubelet/<id>`. */
  readonly dir: string
}

/**
 * Fast defaults that match the controller manager's (a node is NotReady 5 s after its last
 * heartbeat): a 5 s lease renewed every second. Kubernetes renews a 40 s lease every 10 s; large
 * hollow pools use that (`actorkube up --hollow-nodes`).
 */
export const KUBELET_DEFAULTS = {
  runtime: 'process',
  nodes: 1,
  capacity: { cpu: '4', memory: '8Gi', pods: 110 },
  nodeIP: '127.0.0.1',
  readOnlyPort: 10255,
  leaseDurationSeconds: 5,
  leaseRenewIntervalMs: 1000,
  backoffInitialMs: 10_000,
  backoffMaxMs: 300_000,
} as const

/**
 * How long a Lease renewal may wait for its answer: a quarter of the lease, at least one renewal
 * interval (Kubernetes' heartbeat client: min(lease duration, status update frequency), 10 s of a
 * 40 s lease). Without it a renewal sent to a stopped master's apiserver waited out the API
 * client's 5 s while no other renewal went out (one at a time), and the node went NotReady,
 * its pods out of their Services, because one master of three was stopped. A renewal that timed
 * out is sent again at the next interval, to another apiserver.
 */
export function heartbeatTimeoutMs(options: Pick<KubeletOptions, 'leaseDurationSeconds' | 'leaseRenewIntervalMs'>): number {
  return Math.max(options.leaseRenewIntervalMs, (options.leaseDurationSeconds * 1000) / 4)
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

export function parseKubeletOptions(raw: unknown): KubeletOptions {
  const o = optionsObject(raw, 'kubelet')
  const apiservers = apiserverIds(o.apiservers, 'kubelet')
  const runtime = o.runtime ?? KUBELET_DEFAULTS.runtime
  if (runtime !== 'process' && runtime !== 'hollow') throw new TypeError(`kubelet.runtime: expected process or hollow, got ${JSON.stringify(runtime)}`)
  const nodes = o.nodes ?? KUBELET_DEFAULTS.nodes
  if (typeof nodes !== 'number' || !Number.isInteger(nodes) || nodes < 1) throw new TypeError('kubelet.nodes: expected a whole number of nodes, at least 1')
  const nodeIP = o.nodeIP ?? KUBELET_DEFAULTS.nodeIP
  if (typeof nodeIP !== 'string' || !IPV4.test(nodeIP)) throw new TypeError('kubelet.nodeIP: expected an IPv4 address')
  const podCidr = o.podCidr ?? ''
  if (typeof podCidr !== 'string' || (podCidr !== '' && !CIDR.test(podCidr))) throw new TypeError('kubelet.podCidr: expected an IPv4 CIDR such as 127.1.0.0/16')
  const readOnlyPort = o.readOnlyPort === undefined ? KUBELET_DEFAULTS.readOnlyPort : o.readOnlyPort
  if (readOnlyPort !== null && (typeof readOnlyPort !== 'number' || !Number.isInteger(readOnlyPort) || readOnlyPort < 0 || readOnlyPort > 65535)) {
    throw new TypeError('kubelet.readOnlyPort: expected a port (0 for a free one) or null')
  }
  const dir = o.dir ?? ''
  if (typeof dir !== 'string') throw new TypeError('kubelet.dir: expected a directory path')
  return {
    apiservers,
    runtime,
    nodes,
    capacity: parseCapacity(o.capacity),
    labels: parseLabels(o.labels),
    taints: parseTaints(o.taints),
    nodeIP,
    podCidr,
    readOnlyPort,
    leaseDurationSeconds: positiveNumber(o.leaseDurationSeconds, 'kubelet.leaseDurationSeconds', KUBELET_DEFAULTS.leaseDurationSeconds),
    leaseRenewIntervalMs: positiveNumber(o.leaseRenewIntervalMs, 'kubelet.leaseRenewIntervalMs', KUBELET_DEFAULTS.leaseRenewIntervalMs),
    backoffInitialMs: positiveNumber(o.backoffInitialMs, 'kubelet.backoffInitialMs', KUBELET_DEFAULTS.backoffInitialMs),
    backoffMaxMs: positiveNumber(o.backoffMaxMs, 'kubelet.backoffMaxMs', KUBELET_DEFAULTS.backoffMaxMs),
    dir,
  }
}

function parseCapacity(raw: unknown): NodeCapacity {
  const c = optionsObject(raw, 'kubelet.capacity')
  const cpu = c.cpu === undefined ? KUBELET_DEFAULTS.capacity.cpu : String(c.cpu)
  const memory = c.memory === undefined ? KUBELET_DEFAULTS.capacity.memory : String(c.memory)
  if (!/^\d+(\.\d+)?m?$/.test(cpu)) throw new TypeError(`kubelet.capacity.cpu: expected a CPU quantity such as 4 or 3500m, got ${JSON.stringify(c.cpu)}`)
  if (!/^\d+(\.\d+)?([KMGTPE]i?|[kmgtpe])?$/.test(memory)) throw new TypeError(`kubelet.capacity.memory: expected a memory quantity such as 8Gi, got ${JSON.stringify(c.memory)}`)
  return { cpu, memory, pods: positiveNumber(c.pods, 'kubelet.capacity.pods', KUBELET_DEFAULTS.capacity.pods) }
}

function parseLabels(raw: unknown): Record<string, string> {
  const labels = optionsObject(raw, 'kubelet.labels')
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key) || typeof value !== 'string') throw new TypeError(`kubelet.labels.${key}: expected a label key with a string value`)
  }
  return labels as Record<string, string>
}

function parseTaints(raw: unknown): Taint[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) throw new TypeError('kubelet.taints: expected a list of {key, value, effect}')
  return raw.map((t: unknown, i) => {
    const taint = optionsObject(t, `kubelet.taints[${i}]`)
    if (typeof taint.key !== 'string' || !LABEL_KEY.test(taint.key)) throw new TypeError(`kubelet.taints[${i}].key: expected a label key`)
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'PreferNoSchedule' && taint.effect !== 'NoExecute') throw new TypeError(`kubelet.taints[${i}].effect: expected NoSchedule, PreferNoSchedule or NoExecute`)
    return { key: taint.key, ...(typeof taint.value === 'string' ? { value: taint.value } : {}), effect: taint.effect }
  })
}

/** The names of the nodes an actor carries. */
export function nodeNames(id: string, options: Pick<KubeletOptions, 'nodes'>): string[] {
  if (options.nodes === 1) return [id]
  return Array.from({ length: options.nodes }, (_, i) => `${id}-${i}`)
}
