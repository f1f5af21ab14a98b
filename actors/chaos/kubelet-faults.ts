/**
 * The pod and node faults a worker host applies to its own kubelet for the chaos controller
 * (issue 14's `container-kill`, `pod-failure` and `kubelet-stop`), as a leased host fault
 * (`{kind: kubelet, fault}` in runtime/chaos/fault-leases.ts): parsed from the wire here, and the
 * pure choices around them. The host lifts each when its lease lapses, as every leased fault.
 *
 * - `container-kill`: the pod's running containers (or the one named) are killed once (SIGKILL);
 *   the kubelet restarts them per the pod's restartPolicy. Lifting it does nothing.
 * - `pod-failure`: the pod's containers are killed and every start is refused until the lease
 *   ends, so the pod is not Ready for the fault's duration and comes back after (its back-off).
 * - `kubelet-stop`: the node's kubelet stops talking to the API (no heartbeats, no node or pod
 *   status, no events, no new pods seen) while its containers keep running, as a stopped kubelet
 *   leaves containerd's; the node goes NotReady through the node lifecycle controller. Lifting it
 *   starts it again: what it held goes out in order.
 */

/** One lease per fault and host: the fault's targets on that host (pods `namespace/name`, or nodes). */
export type KubeletFault =
  | { readonly action: 'container-kill'; readonly pods: readonly string[]; readonly container?: string }
  | { readonly action: 'pod-failure'; readonly pods: readonly string[] }
  | { readonly action: 'kubelet-stop'; readonly nodes: readonly string[] }

/** The fault kinds (actors/chaos/fault-kinds.ts) a worker host's kubelet carries out. */
export const KUBELET_FAULT_KINDS: readonly KubeletFault['action'][] = ['container-kill', 'pod-failure', 'kubelet-stop']

const POD_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/

/** Validates a kubelet fault from the wire; throws a TypeError naming the field. */
export function parseKubeletFault(raw: unknown, field = 'fault.fault'): KubeletFault {
  if (typeof raw !== 'object' || raw === null) throw new TypeError(`${field}: expected an object`)
  const f = raw as Record<string, unknown>
  const names = (key: 'pods' | 'nodes', valid: (name: string) => boolean, what: string): string[] => {
    const list = f[key]
    if (!Array.isArray(list) || list.length === 0) throw new TypeError(`${field}.${key}: expected a non-empty list of ${what}`)
    list.forEach((name, i) => {
      if (typeof name !== 'string' || !valid(name)) throw new TypeError(`${field}.${key}[${i}]: expected ${what}, got ${JSON.stringify(name)}`)
    })
    return list as string[]
  }
  const pods = (): string[] => names('pods', (p) => POD_REF.test(p), 'namespace/name')
  switch (f.action) {
    case 'container-kill':
      if (f.container !== undefined && (typeof f.container !== 'string' || f.container === '')) throw new TypeError(`${field}.container: expected a container name, got ${JSON.stringify(f.container)}`)
      return { action: 'container-kill', pods: pods(), ...(typeof f.container === 'string' ? { container: f.container } : {}) }
    case 'pod-failure':
      return { action: 'pod-failure', pods: pods() }
    case 'kubelet-stop':
      return { action: 'kubelet-stop', nodes: names('nodes', (n) => n !== '', 'node names') }
    default:
      throw new TypeError(`${field}.action: expected one of ${KUBELET_FAULT_KINDS.join(', ')}, got ${JSON.stringify(f.action)}`)
  }
}

/**
 * The host whose kubelet carries `node`, from the hosts' `chaos.status` actors: a kubelet
 * `kubelet/<id>` carries the node `<id>` (one node) or `<id>-<n>` (a hollow pool).
 */
export function kubeletHostOf(node: string, hosts: readonly { readonly host: string; readonly actors: readonly string[] }[]): string | undefined {
  const carries = (actor: string): boolean => {
    if (!actor.startsWith('kubelet/')) return false
    const id = actor.slice('kubelet/'.length)
    return node === id || (node.startsWith(`${id}-`) && /^\d+$/.test(node.slice(id.length + 1)))
  }
  return hosts.find((h) => h.actors.some(carries))?.host
}

/** A container as the host's runtime lists it. */
export interface ListedContainer {
  readonly id: string
  readonly podUid: string
  readonly name: string
  readonly state: 'created' | 'running' | 'exited'
}

/** The containers a kill hits: the pod's running ones, or only the one named. */
export function containersToKill(containers: readonly ListedContainer[], podUid: string, container?: string): string[] {
  return containers.filter((c) => c.podUid === podUid && c.state === 'running' && (container === undefined || c.name === container)).map((c) => c.id)
}

/** The kubelet fault an experiment's fault kind means for its targets on one host (pods `namespace/name`, or nodes). */
export function kubeletFaultOf(kind: KubeletFault['action'], targets: readonly string[], params: Readonly<Record<string, unknown>>): KubeletFault {
  if (kind === 'kubelet-stop') return { action: kind, nodes: targets }
  if (kind === 'pod-failure') return { action: kind, pods: targets }
  return { action: kind, pods: targets, ...(typeof params.container === 'string' ? { container: params.container } : {}) }
}

export const isKubeletFaultKind = (kind: string): kind is KubeletFault['action'] => (KUBELET_FAULT_KINDS as readonly string[]).includes(kind)
