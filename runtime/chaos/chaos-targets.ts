/**
 * What a fault's target selector matches now, read from what the cluster knows: the hosts (each
 * answers `chaos.status` with its name, roles and actors), the store's leader (asked of the
 * replicas), the leader Leases in kube-system, pods
 * and nodes by labels through the apiserver, and the nats-servers `up` runs. The answer is the
 * candidate list the experiment step draws its targets from (actors/chaos/targets.ts).
 *
 * Candidates are named by family: a host name (`worker-1`), an actor (`scheduler/master-2`), a
 * pod (`default/web-1234`), a node name, a nats-server (`nats-2`).
 */
import type { FaultTarget, LabelSelectorSpec, LeaderName } from '../../actors/chaos/api.ts'
import type { PlannedFault } from '../../actors/chaos/experiment-plan.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import { requestNatsControl } from '../cli/nats-control.ts'
import type { Requester } from '../transport/requester.ts'

/** A host as its `chaos.status` answer describes it. */
export interface KnownHost {
  readonly host: string
  readonly roles: readonly string[]
  readonly actors: readonly string[]
}

export interface TargetSources {
  readonly api: ApiClient
  readonly cluster: string
  readonly requester: Requester
  /** Every host that answers now. */
  hosts(): Promise<readonly KnownHost[]>
  /** The store replica that leads now (replicas are named after their master hosts). */
  storeLeader(): Promise<string | undefined>
}

const LEADER_LEASES: Readonly<Record<Exclude<LeaderName, 'store'>, string>> = { scheduler: 'kube-scheduler', 'controller-manager': 'kube-controller-manager' }
const LEADER_COMPONENTS: Readonly<Record<LeaderName, string>> = { store: 'store', scheduler: 'scheduler', 'controller-manager': 'controllermanager' }

export const selectorText = (selector: LabelSelectorSpec | undefined): string =>
  Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',')

/** Kinds whose targets are actors (`component/id`) rather than hosts. */
const ACTOR_KINDS = new Set(['actor-pause', 'actor-crash', 'clock-skew'])

export async function resolveCandidates(fault: PlannedFault, sources: TargetSources): Promise<string[]> {
  const target: FaultTarget = fault.target
  if (target.groups !== undefined) return [...new Set(target.groups.flat())]
  if (target.hosts !== undefined) {
    if (fault.kind === 'nats-kill') return natsServers(sources, target.hosts.names)
    const { names, roles } = target.hosts
    return (await sources.hosts()).filter((h) => (names === undefined || names.includes(h.host)) && (roles === undefined || roles.some((r) => h.roles.includes(r)))).map((h) => h.host)
  }
  if (target.actors !== undefined) {
    const { kind, ids } = target.actors
    const actors = (await sources.hosts()).flatMap((h) => h.actors)
    return actors.filter((a) => a.startsWith(`${kind}/`) && (ids === undefined || ids.includes(a.slice(kind.length + 1))))
  }
  if (target.leader !== undefined) {
    const host = target.leader === 'store' ? await sources.storeLeader() : await leaderHost(target.leader, sources.api)
    if (host === undefined) return []
    return ACTOR_KINDS.has(fault.kind) ? [`${LEADER_COMPONENTS[target.leader]}/${host}`] : [host]
  }
  if (target.pods !== undefined) {
    const path = target.pods.namespace ? `/api/v1/namespaces/${target.pods.namespace}/pods` : '/api/v1/pods'
    const pods = await sources.api.list(path, { labelSelector: selectorText(target.pods.selector) })
    return pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined).map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)
  }
  if (target.nodes !== undefined) {
    const nodes = await sources.api.list('/api/v1/nodes', { labelSelector: selectorText(target.nodes.selector) })
    return nodes.items.map((n) => String(n.metadata?.name))
  }
  return []
}

/** The host whose actor holds a leader Lease now. */
async function leaderHost(leader: Exclude<LeaderName, 'store'>, api: ApiClient): Promise<string | undefined> {
  const lease = (await api.get(`/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${LEADER_LEASES[leader]}`)) as { spec?: { holderIdentity?: string } }
  const holder = lease.spec?.holderIdentity
  // The elector's identity is `<host>_<incarnation>` (runtime/leader/lease-elector.ts).
  return holder === undefined || holder === '' ? undefined : holder.split('_')[0]
}

async function natsServers(sources: TargetSources, names: readonly string[] | undefined): Promise<string[]> {
  const answer = await requestNatsControl(sources.requester, sources.cluster, { type: 'nats.status' })
  const servers = Array.isArray(answer.servers) ? (answer.servers as { index: number; running: boolean }[]) : []
  return servers.filter((s) => s.running).map((s) => `nats-${s.index}`).filter((n) => names === undefined || names.includes(n))
}
