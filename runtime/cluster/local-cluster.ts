/**
 * The shape of a local cluster (how many master and worker hosts) and the host configs it implies.
 * Every host carries a member actor (so the cluster can tell who is up) and an echo actor; every
 * master carries a replica of the cluster store, with its data under the state directory. The
 * control-plane and node actors of later components are added here.
 */
import { join } from 'node:path'
import { stringify } from 'yaml'

export interface ClusterShape {
  readonly cluster: string
  readonly masters: number
  /** Worker hosts with one process-runtime node each (kubelet + kube-proxy). */
  readonly workers: number
  /** Nodes of each hollow host (`hollow-1`, ...), with the hollow runtime (0: no such host). */
  readonly hollowNodes?: number
  /** How many hollow hosts carry `hollowNodes` nodes each (default 1; the simulation runs one host a node). */
  readonly hollowHosts?: number
  /** Run the leader-elected chaos controller on the masters (default true; false: ChaosExperiments are stored, never run). */
  readonly chaosController?: boolean
}

export const DEFAULT_SHAPE: ClusterShape = { cluster: 'c1', masters: 3, workers: 2, hollowNodes: 0 }

/**
 * Worker N's node: its address (NodePorts and the read-only endpoint listen there) and the
 * loopback range its pods' addresses come from. All of 127.0.0.0/8 is loopback on Linux, so every
 * pod can listen on its own address; ClusterIPs are served at 127.96.x.x (docs/kube-proxy.md).
 */
export const MAX_WORKERS = 95

export const workerNodeIP = (index: number): string => `127.0.${index}.1`
export const workerPodCidr = (index: number): string => `127.${index}.0.0/16`

/**
 * A hollow pool heartbeats as Kubernetes does (a 40 s lease renewed every 10 s), and the
 * controller manager then waits Kubernetes' 40 s before calling a node NotReady. Past 1,000 nodes
 * the renewal interval grows with the pool (10 ms a node: 5,000 nodes renew every 50 s), so that
 * heartbeats stay at 100 lease writes a second or fewer; the lease and the grace stay 4 intervals.
 */
export function hollowTimings(nodes: number): { leaseRenewIntervalMs: number; leaseDurationSeconds: number; nodeGracePeriodMs: number } {
  const leaseRenewIntervalMs = Math.max(10_000, nodes * 10)
  return { leaseRenewIntervalMs, leaseDurationSeconds: (4 * leaseRenewIntervalMs) / 1000, nodeGracePeriodMs: 4 * leaseRenewIntervalMs }
}

export interface HostPlan {
  readonly host: string
  readonly role: 'master' | 'worker'
  readonly config: Record<string, unknown>
}

/** Store values go up to 1.5 MiB (etcd's limit); a write carrying one needs room around it. */
export const MASTER_MAX_MESSAGE_BYTES = 4 * 1024 * 1024

/** The store replicas' ids: one per master, named after it. */
export const storeVoters = (shape: ClusterShape): string[] => Array.from({ length: shape.masters }, (_, i) => `master-${i + 1}`)

/** Where the masters' shared CA, serving certificate, tokens and policy live. */
export const securityDir = (stateDir: string): string => join(stateDir, 'security')

/** The cluster CA the apiservers' PKI keeps (runtime/apiserver/security/pki.ts): the controller manager's --root-ca-file. */
export const rootCaFile = (stateDir: string): string => join(securityDir(stateDir), 'pki', 'ca.crt')

/**
 * `apiPort`: master-1's apiserver port, master-2 takes the next one and so on; 0 lets every
 * apiserver pick a free port (they log it).
 */
export function planHosts(shape: ClusterShape, nats: readonly string[], stateDir: string, apiPort = 6443): HostPlan[] {
  // Worker 96's pods would take 127.96.x.x, where kube-proxy serves ClusterIPs.
  if (shape.workers > MAX_WORKERS) throw new RangeError(`at most ${MAX_WORKERS} worker hosts (each takes 127.<N>.0.0/16 for its pods); use --hollow-nodes for more nodes`)
  const plans: HostPlan[] = []
  const voters = storeVoters(shape)
  const hollow = (shape.hollowNodes ?? 0) > 0
  const hollowHosts = hollow ? (shape.hollowHosts ?? 1) : 0
  const hollowTotal = (shape.hollowNodes ?? 0) * hollowHosts
  const add = (role: 'master' | 'worker' | 'hollow', index: number) => {
    const host = `${role}-${index}`
    const actors: Record<string, unknown>[] = [
      { kind: 'member', id: host, options: { roles: [role] } },
      { kind: 'echo', id: host },
    ]
    if (role === 'master') {
      actors.push({ kind: 'store', id: host, options: { dataDir: join(stateDir, 'store', host), voters } })
      const port = apiPort === 0 ? 0 : apiPort + index - 1
      actors.push({ kind: 'apiserver', id: host, options: { port, securityDir: securityDir(stateDir), storeReplicas: voters } })
      actors.push({ kind: 'scheduler', id: host, options: { apiservers: voters } })
      actors.push({ kind: 'controllermanager', id: host, options: { apiservers: voters, rootCaFile: rootCaFile(stateDir), ...(hollow ? { nodeGracePeriodMs: hollowTimings(hollowTotal).nodeGracePeriodMs } : {}) } })
      if (shape.chaosController !== false) actors.push({ kind: 'chaoscontroller', id: host, options: { apiservers: voters } })
    }
    const kubeletDir = join(stateDir, 'kubelet', host)
    if (role === 'worker') {
      const nodeIP = workerNodeIP(index)
      actors.push({ kind: 'kubelet', id: host, options: { apiservers: voters, runtime: 'process', nodeIP, podCidr: workerPodCidr(index), dir: kubeletDir, labels: { 'topology.kubernetes.io/zone': `zone-${index}` } } })
      actors.push({ kind: 'proxy', id: host, options: { apiservers: voters, nodeName: host, nodeIP } })
    }
    if (role === 'hollow') {
      const { leaseDurationSeconds, leaseRenewIntervalMs } = hollowTimings(hollowTotal)
      actors.push({ kind: 'kubelet', id: host, options: { apiservers: voters, runtime: 'hollow', nodes: shape.hollowNodes, readOnlyPort: 0, dir: kubeletDir, leaseDurationSeconds, leaseRenewIntervalMs, labels: { 'node.actorkube.io/hollow': 'true' } } })
    }
    plans.push({
      host,
      role: role === 'master' ? 'master' : 'worker',
      config: {
        cluster: shape.cluster,
        host,
        nats: { servers: [...nats] },
        metricsPort: 0,
        ...(role !== 'worker' ? { maxMessageBytes: MASTER_MAX_MESSAGE_BYTES } : {}),
        actors,
      },
    })
  }
  for (let i = 1; i <= shape.masters; i++) add('master', i)
  for (let i = 1; i <= shape.workers; i++) add('worker', i)
  for (let i = 1; i <= hollowHosts; i++) add('hollow', i)
  return plans
}

export function hostConfigYaml(plan: HostPlan): string {
  return `# generated by actorkube up for ${plan.host}\n${stringify(plan.config)}`
}
