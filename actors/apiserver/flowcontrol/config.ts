/**
 * Flow control's configuration, shaped after Kubernetes' API Priority and Fairness objects
 * (flowcontrol.apiserver.k8s.io/v1): FlowSchemas classify a request by who sends it and what it
 * does, in precedence order; PriorityLevelConfigurations say how many requests of a level run
 * at once (a share of the server's total) and how many may wait, in how many fair queues.
 *
 * The defaults put Lease renewals (leader election in kube-system, node heartbeats in
 * kube-node-lease) on levels of their own, so bulk pod writes never take their seats.
 * Internal actors over NATS all act as one user, so schemas match on resource and namespace
 * where Kubernetes' suggested configuration matches on the component's user.
 */

/** A user (`User`), or a group (`Group`); `*` matches any. */
export interface Subject {
  readonly kind: 'User' | 'Group'
  readonly name: string
}

/** Requests on API resources; `*` in a list matches anything. */
export interface ResourcePolicyRule {
  readonly verbs: readonly string[]
  readonly apiGroups: readonly string[]
  /** `pods`, or `pods/status` for a subresource (`pods` alone does not match `pods/status`). */
  readonly resources: readonly string[]
  /** Matches cluster-scoped requests (and lists across all namespaces). */
  readonly clusterScope?: boolean
  /** Matches namespaced requests in these namespaces. */
  readonly namespaces?: readonly string[]
}

/** Requests outside the API resources (`/healthz`); a URL ending in `/*` matches a prefix. */
export interface NonResourcePolicyRule {
  readonly verbs: readonly string[]
  readonly nonResourceURLs: readonly string[]
}

/** What tells flows apart within a schema (fair queuing is between flows). */
export type FlowDistinguisher = 'ByUser' | 'ByNamespace'

export interface FlowSchema {
  readonly name: string
  /** Lower first; the first matching schema classifies the request. */
  readonly precedence: number
  readonly priorityLevel: string
  readonly distinguisher?: FlowDistinguisher
  readonly subjects: readonly Subject[]
  readonly resourceRules?: readonly ResourcePolicyRule[]
  readonly nonResourceRules?: readonly NonResourcePolicyRule[]
}

export interface QueuingConfiguration {
  readonly queues: number
  /** Queues a flow is dealt (shuffle sharding); it waits in the shortest of them. */
  readonly handSize: number
  /** Requests a queue holds; past it a request is rejected (429). */
  readonly queueLengthLimit: number
}

export interface PriorityLevel {
  readonly name: string
  /** Exempt requests never wait and are never rejected. */
  readonly type: 'Exempt' | 'Limited'
  /** This level's seats are total × shares / the sum of every Limited level's shares (rounded up). */
  readonly nominalConcurrencyShares: number
  /** Without queuing a request that finds no free seat is rejected at once. */
  readonly queuing?: QueuingConfiguration
  /** Its writes go to the store as priority proposals, ahead of the waiting batch. */
  readonly storePriority?: boolean
}

export interface FlowControlConfig {
  /** Requests executing at once across the Limited levels (kube-apiserver: 400 + 200 mutating). */
  readonly totalConcurrency: number
  /** A queued request waiting longer than this is rejected (429). */
  readonly queueWaitMs: number
  /** The Retry-After a rejection carries (Kubernetes sends 1). */
  readonly retryAfterSeconds: number
  readonly priorityLevels: readonly PriorityLevel[]
  readonly flowSchemas: readonly FlowSchema[]
}

export const EXEMPT = 'exempt'
export const LEADER_ELECTION = 'leader-election'
export const NODE_HEARTBEAT = 'node-heartbeat'
export const WORKLOAD_HIGH = 'workload-high'
export const WORKLOAD_LOW = 'workload-low'
export const CATCH_ALL = 'catch-all'

const ALL = ['*'] as const
const WRITES = ['create', 'update', 'patch', 'delete'] as const
const anyone: readonly Subject[] = [{ kind: 'Group', name: '*' }]

/** The group every internal actor (over NATS) belongs to. */
export const CLUSTER_ACTORS_GROUP = 'system:cluster-actors'

export const DEFAULT_PRIORITY_LEVELS: readonly PriorityLevel[] = [
  { name: EXEMPT, type: 'Exempt', nominalConcurrencyShares: 0 },
  { name: LEADER_ELECTION, type: 'Limited', nominalConcurrencyShares: 10, queuing: { queues: 16, handSize: 4, queueLengthLimit: 50 }, storePriority: true },
  { name: NODE_HEARTBEAT, type: 'Limited', nominalConcurrencyShares: 40, queuing: { queues: 64, handSize: 6, queueLengthLimit: 50 }, storePriority: true },
  { name: WORKLOAD_HIGH, type: 'Limited', nominalConcurrencyShares: 40, queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } },
  { name: WORKLOAD_LOW, type: 'Limited', nominalConcurrencyShares: 100, queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } },
  { name: CATCH_ALL, type: 'Limited', nominalConcurrencyShares: 5 },
]

export const DEFAULT_FLOW_SCHEMAS: readonly FlowSchema[] = [
  // Cluster admins (kubectl with the admin token), as Kubernetes' `exempt` schema.
  { name: 'exempt', precedence: 1, priorityLevel: EXEMPT, subjects: [{ kind: 'Group', name: 'system:masters' }], resourceRules: [{ verbs: ALL, apiGroups: ALL, resources: ALL, clusterScope: true, namespaces: ALL }], nonResourceRules: [{ verbs: ALL, nonResourceURLs: ALL }] },
  { name: 'probes', precedence: 2, priorityLevel: EXEMPT, subjects: anyone, nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }] },
  // The scheduler's and controller manager's Leases.
  { name: 'system-leader-election', precedence: 100, priorityLevel: LEADER_ELECTION, distinguisher: 'ByUser', subjects: anyone, resourceRules: [{ verbs: ['get', 'create', 'update', 'patch'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['kube-system'] }] },
  // Kubelets: their node Leases, registering their Nodes and their node status.
  {
    name: 'system-node-high',
    precedence: 400,
    priorityLevel: NODE_HEARTBEAT,
    distinguisher: 'ByUser',
    subjects: anyone,
    resourceRules: [
      { verbs: ALL, apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['kube-node-lease'] },
      { verbs: ['create', 'update', 'patch'], apiGroups: [''], resources: ['nodes', 'nodes/status'], clusterScope: true },
    ],
  },
  // What moves a pod after its creation: binding it, its status, the objects controllers keep.
  {
    name: 'workload-high',
    precedence: 800,
    priorityLevel: WORKLOAD_HIGH,
    distinguisher: 'ByNamespace',
    subjects: [{ kind: 'Group', name: CLUSTER_ACTORS_GROUP }],
    resourceRules: [
      { verbs: ['create'], apiGroups: [''], resources: ['pods/binding', 'pods/eviction'], namespaces: ALL },
      { verbs: ['update', 'patch'], apiGroups: ALL, resources: ['pods/status', 'replicasets/status', 'deployments/status'], namespaces: ALL },
      { verbs: WRITES, apiGroups: ['', 'discovery.k8s.io'], resources: ['endpoints', 'endpointslices'], namespaces: ALL },
    ],
  },
  // Everything else the cluster's actors and its benchmark drivers do: bulk creates, lists.
  { name: 'workload-low', precedence: 9000, priorityLevel: WORKLOAD_LOW, distinguisher: 'ByNamespace', subjects: [{ kind: 'Group', name: CLUSTER_ACTORS_GROUP }], resourceRules: [{ verbs: ALL, apiGroups: ALL, resources: ALL, clusterScope: true, namespaces: ALL }], nonResourceRules: [{ verbs: ALL, nonResourceURLs: ALL }] },
  // Other authenticated users over HTTPS.
  { name: 'global-default', precedence: 9900, priorityLevel: WORKLOAD_LOW, distinguisher: 'ByUser', subjects: [{ kind: 'Group', name: 'system:authenticated' }], resourceRules: [{ verbs: ALL, apiGroups: ALL, resources: ALL, clusterScope: true, namespaces: ALL }], nonResourceRules: [{ verbs: ALL, nonResourceURLs: ALL }] },
  { name: 'catch-all', precedence: 10000, priorityLevel: CATCH_ALL, distinguisher: 'ByUser', subjects: anyone, resourceRules: [{ verbs: ALL, apiGroups: ALL, resources: ALL, clusterScope: true, namespaces: ALL }], nonResourceRules: [{ verbs: ALL, nonResourceURLs: ALL }] },
]

/** kube-apiserver's default: --max-requests-inflight 400 plus --max-mutating-requests-inflight 200. */
export const DEFAULT_TOTAL_CONCURRENCY = 600
/** Less than the cluster's own clients' 5 s call timeout: a request is not kept waiting past it. */
export const DEFAULT_QUEUE_WAIT_MS = 3_000

export function flowControlConfig(overrides: { readonly totalConcurrency?: number; readonly queueWaitMs?: number } = {}): FlowControlConfig {
  return validateFlowControl({
    totalConcurrency: overrides.totalConcurrency ?? DEFAULT_TOTAL_CONCURRENCY,
    queueWaitMs: overrides.queueWaitMs ?? DEFAULT_QUEUE_WAIT_MS,
    retryAfterSeconds: 1,
    priorityLevels: DEFAULT_PRIORITY_LEVELS,
    flowSchemas: DEFAULT_FLOW_SCHEMAS,
  })
}

/** Throws a RangeError naming the bad value; returns the config with its schemas in precedence order. */
export function validateFlowControl(config: FlowControlConfig): FlowControlConfig {
  const positive = (what: string, n: number) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`flowControl.${what}: expected a positive integer, got ${n}`)
  }
  positive('totalConcurrency', config.totalConcurrency)
  positive('queueWaitMs', config.queueWaitMs)
  positive('retryAfterSeconds', config.retryAfterSeconds)
  const levels = new Set<string>()
  for (const level of config.priorityLevels) {
    if (levels.has(level.name)) throw new RangeError(`flowControl: priority level ${JSON.stringify(level.name)} is defined twice`)
    levels.add(level.name)
    if (level.type === 'Limited') positive(`${level.name}.nominalConcurrencyShares`, level.nominalConcurrencyShares)
    const q = level.queuing
    if (q === undefined) continue
    positive(`${level.name}.queues`, q.queues)
    positive(`${level.name}.queueLengthLimit`, q.queueLengthLimit)
    if (!Number.isInteger(q.handSize) || q.handSize < 1 || q.handSize > q.queues) throw new RangeError(`flowControl.${level.name}.handSize: expected 1..${q.queues} (the queues), got ${q.handSize}`)
  }
  for (const schema of config.flowSchemas) {
    if (!levels.has(schema.priorityLevel)) throw new RangeError(`flowControl: flow schema ${JSON.stringify(schema.name)} names an unknown priority level ${JSON.stringify(schema.priorityLevel)}`)
  }
  const flowSchemas = [...config.flowSchemas].sort((a, b) => a.precedence - b.precedence || a.name.localeCompare(b.name))
  return { ...config, flowSchemas }
}

/** Seats of each Limited level: its share of the total, rounded up (at least one). */
export function nominalSeats(config: FlowControlConfig): ReadonlyMap<string, number> {
  const limited = config.priorityLevels.filter((l) => l.type === 'Limited')
  const shares = limited.reduce((sum, l) => sum + l.nominalConcurrencyShares, 0)
  return new Map(limited.map((l) => [l.name, Math.max(1, Math.ceil((config.totalConcurrency * l.nominalConcurrencyShares) / shares))]))
}
