/**
 * The scheduling suite's scenarios, modeled on Kubernetes' scheduler_perf
 * (test/integration/scheduler_perf/config/performance-config.yaml): the Node and Pod objects
 * the driver creates through the API, the sizes of the full and quick runs, and kube-scheduler's
 * CI floors (the `threshold` of each workload at 5,000 nodes, pods/s).
 */
import type { KubeObject } from '../../actors/apiserver/ports.ts'

export type ScenarioName = 'SchedulingBasic' | 'NodeAffinity' | 'PodAntiAffinity' | 'TopologySpread' | 'MixedChurn'

export const SCENARIOS: readonly ScenarioName[] = ['SchedulingBasic', 'NodeAffinity', 'PodAntiAffinity', 'TopologySpread', 'MixedChurn']

/**
 * kube-scheduler's CI floors from scheduler_perf's performance-config.yaml (5,000 nodes):
 * SchedulingBasic 680, SchedulingNodeAffinity 220, SchedulingPodAntiAffinity 60.
 * TopologySpread: no source at hand, 680 (as SchedulingBasic). MixedChurn has no counterpart.
 */
export const FLOORS: Readonly<Partial<Record<ScenarioName, number>>> = {
  SchedulingBasic: 680,
  NodeAffinity: 220,
  PodAntiAffinity: 60,
  TopologySpread: 680,
}

/** The project's goal: SchedulingBasic, 5,000 nodes, 10,000 pods. */
export const GOAL = { scenario: 'SchedulingBasic' as ScenarioName, nodes: 5_000, pods: 10_000, podsPerSecond: 1_500 }

export const ZONES = 10
export const ZONE_LABEL = 'topology.kubernetes.io/zone'
export const HOSTNAME_LABEL = 'kubernetes.io/hostname'
export const NAMESPACE = 'sched-bench'

export interface Case {
  readonly scenario: ScenarioName
  readonly nodes: number
  readonly pods: number
}

export const caseId = (c: Case) => `${c.scenario}.${c.nodes}n.${c.pods}p`

const casesAt = (nodes: number): Case[] => [
  { scenario: 'SchedulingBasic', nodes, pods: nodes === 5_000 ? 10_000 : 2 * nodes },
  { scenario: 'NodeAffinity', nodes, pods: nodes === 5_000 ? 5_000 : 2 * nodes },
  { scenario: 'PodAntiAffinity', nodes, pods: Math.min(1_000, nodes) },
  { scenario: 'TopologySpread', nodes, pods: nodes === 5_000 ? 5_000 : 2 * nodes },
  { scenario: 'MixedChurn', nodes, pods: nodes === 5_000 ? 5_000 : 2 * nodes },
]

/**
 * Full run: 500, 1,000 and 5,000 nodes; fewer pods where the scheduler is slow per pod. The
 * headline (SchedulingBasic, 5,000 nodes, 10,000 pods) runs first.
 */
export const FULL_CASES: readonly Case[] = [casesAt(5_000)[0]!, ...casesAt(500), ...casesAt(1_000), ...casesAt(5_000).slice(1)]

export const QUICK_CASES: readonly Case[] = [
  { scenario: 'SchedulingBasic', nodes: 500, pods: 1_000 },
  { scenario: 'NodeAffinity', nodes: 500, pods: 500 },
  { scenario: 'PodAntiAffinity', nodes: 500, pods: 250 },
  { scenario: 'TopologySpread', nodes: 500, pods: 500 },
  { scenario: 'MixedChurn', nodes: 500, pods: 500 },
]

const NODE_ALLOCATABLE = { cpu: '4', memory: '32Gi', pods: '110' }
const POD_REQUESTS = { cpu: '100m', memory: '500Mi' }

export const nodeName = (i: number) => `node-${String(i).padStart(5, '0')}`
export const podName = (i: number) => `pod-${String(i).padStart(6, '0')}`
export const zoneOf = (i: number) => `zone-${i % ZONES}`

/**
 * A Node as a kubelet would register it: capacity/allocatable, hostname and zone labels, Ready.
 * No kubelet renews its heartbeat here, so the Ready condition's lastHeartbeatTime is a day ahead:
 * the node lifecycle controller (5 s grace in `up`) then leaves the nodes alone, as in
 * scheduler_perf, which runs no node controller at all.
 */
export function nodeObject(name: string, zone: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [HOSTNAME_LABEL]: name, [ZONE_LABEL]: zone, 'kubernetes.io/os': 'linux' } },
    spec: {},
    status: {
      capacity: NODE_ALLOCATABLE,
      allocatable: NODE_ALLOCATABLE,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'bench node', lastHeartbeatTime: new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }],
    },
  } as unknown as KubeObject
}

/** Anti-affinity groups: pods of one group go to distinct nodes, so a group is at most half the nodes. */
export const antiAffinityGroupSize = (nodes: number) => Math.max(1, Math.floor(nodes / 2))

/** Pod `i` of a scenario (its spec differs by scenario; every pod requests 100m CPU, 500Mi memory). */
export function podObject(scenario: ScenarioName, i: number, nodes: number): KubeObject {
  const labels: Record<string, string> = { app: scenario.toLowerCase() }
  const spec: Record<string, unknown> = {
    containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9', resources: { requests: POD_REQUESTS } }],
  }
  switch (scenario) {
    case 'NodeAffinity':
      spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: 'In', values: Array.from({ length: ZONES / 2 }, (_, z) => `zone-${z}`) }] }],
          },
        },
      }
      break
    case 'PodAntiAffinity': {
      const group = `g${Math.floor(i / antiAffinityGroupSize(nodes))}`
      labels.group = group
      spec.affinity = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group } }, topologyKey: HOSTNAME_LABEL }],
        },
      }
      break
    }
    case 'TopologySpread':
      spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: labels.app } } }]
      break
    default:
      break
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName(i), namespace: NAMESPACE, labels }, spec } as unknown as KubeObject
}

export const SCENARIO_DESCRIPTIONS: Readonly<Record<ScenarioName, string>> = {
  SchedulingBasic: 'pods request 100m CPU / 500Mi memory, no constraints (scheduler_perf SchedulingBasic)',
  NodeAffinity: `required nodeAffinity: ${ZONE_LABEL} In zone-0..zone-4 (half of the ${ZONES} zones) (SchedulingNodeAffinity)`,
  PodAntiAffinity: `required podAntiAffinity on ${HOSTNAME_LABEL} against the pod's own label group; groups of nodes/2 pods, so all fit (SchedulingPodAntiAffinity)`,
  TopologySpread: `topologySpreadConstraints maxSkew 1 over ${ZONE_LABEL}, DoNotSchedule, selector on the pods' own label (TopologySpreading)`,
  MixedChurn: 'SchedulingBasic pods while the driver deletes every other pod once bound and every 250 ms adds one node and deletes another (added ones and original ones in turn)',
}
