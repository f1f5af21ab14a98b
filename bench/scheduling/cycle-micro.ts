/**
 * Micro-benchmark of the scheduler's pure cycle: 5,000 nodes, 10,000 pods per scenario, each pod
 * made into a PodInfo, the snapshot updated from the node cache, one schedulePod, and the pod
 * assumed on the chosen node (what the runtime does per pod, minus NATS and the bind).
 *
 *   node --import tsx bench/scheduling/cycle-micro.ts [--nodes=5000] [--pods=10000] [--only=<scenario substring>]
 *
 * `placements` hashes every pod's chosen node: an optimization must leave it unchanged. `cpu us/pod`
 * is the process's CPU time per pod, steadier than wall time on a busy machine.
 */
import type { Node, Pod } from '../../actors/kube/objects.ts'
import { PodInfo } from '../../actors/scheduler/framework/pod-info.ts'
import { Snapshot } from '../../actors/scheduler/framework/snapshot.ts'
import { NodeCache } from '../../actors/scheduler/node-cache.ts'
import { newFramework } from '../../actors/scheduler/profile.ts'
import { SchedulingAlgorithm } from '../../actors/scheduler/schedule-one.ts'
import { seededRandom } from '../../runtime/random.ts'

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  return a === undefined ? dflt : Number(a.slice(name.length + 3))
}
const NODES = arg('nodes', 5000)
const PODS = arg('pods', 10000)
const ZONES = 10

function node(i: number): Node {
  const name = `node-${i}`
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` } },
    status: { allocatable: { cpu: '4', memory: '32Gi', pods: 110 } },
  }
}

const requests = { cpu: '100m', memory: '500Mi' }

type Scenario = { name: string; pod: (i: number) => Pod }

const base = (i: number, labels: Record<string, string>, extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: `pod-${i}`, namespace: 'bench', uid: `uid-${i}`, labels },
  spec: { containers: [{ name: 'c', image: 'pause', resources: { requests } }], ...extra },
})

const scenarios: Scenario[] = [
  { name: 'basic', pod: (i) => base(i, { app: 'basic' }) },
  {
    name: 'node affinity',
    pod: (i) =>
      base(i, { app: 'affinity' }, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-0', 'zone-1', 'zone-2', 'zone-3', 'zone-4'] }] }],
            },
          },
        },
      }),
  },
  {
    // scheduler_perf SchedulingPodAntiAffinity: one pod of a group per node (10 groups).
    name: 'pod anti-affinity',
    pod: (i) =>
      base(i, { group: `g${i % 10}` }, {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group: `g${i % 10}` } }, topologyKey: 'kubernetes.io/hostname' }],
          },
        },
      }),
  },
  {
    name: 'topology spread',
    pod: (i) =>
      base(i, { app: 'spread' }, {
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
      }),
  },
]

/** FNV-1a over the chosen node names: the same placements give the same hash (results must not change with speed-ups). */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

function run(s: Scenario): { podsPerSecond: number; usPerPod: number; cpuUsPerPod: number; unscheduled: number; placements: string } {
  const cache = new NodeCache()
  for (let i = 0; i < NODES; i++) cache.addNode(node(i))
  const snapshot = new Snapshot()
  const algorithm = new SchedulingAlgorithm(newFramework())
  const random = seededRandom(42)
  const pods = Array.from({ length: PODS }, (_, i) => s.pod(i))
  cache.updateSnapshot(snapshot)
  let unscheduled = 0
  let hash = 2166136261
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (const pod of pods) {
    const info = new PodInfo(pod)
    cache.updateSnapshot(snapshot)
    const r = algorithm.schedulePod(info, snapshot, random)
    if (r.kind === 'scheduled') cache.assumePod(info, r.nodeName)
    else unscheduled++
    hash = fnv(hash, r.kind === 'scheduled' ? r.nodeName : '-')
  }
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { podsPerSecond: Math.round((PODS / ms) * 1000), usPerPod: Math.round((ms * 1000) / PODS), cpuUsPerPod: Math.round((cpu.user + cpu.system) / PODS), unscheduled, placements: hash.toString(16).padStart(8, '0') }
}

const only = process.argv.find((x) => x.startsWith('--only='))?.slice(7)
console.log(`scheduler pure cycle: ${NODES} nodes x ${PODS} pods (node ${process.version})`)
for (const s of scenarios) {
  if (only !== undefined && !s.name.includes(only)) continue
  const r = run(s)
  console.log(`${s.name.padEnd(20)} ${String(r.podsPerSecond).padStart(8)} pods/s  ${String(r.usPerPod).padStart(6)} us/pod  ${String(r.cpuUsPerPod).padStart(6)} cpu us/pod  placements ${r.placements}${r.unscheduled > 0 ? `  (${r.unscheduled} unschedulable)` : ''}`)
}
