/**
 * What a Service write needs from the cluster-IP and node-port allocators, decided without the
 * store: which addresses and ports it keeps, asks for by value, or wants allocated, and which
 * ones the write gives up. Kubernetes' rules (pkg/registry/core/service/storage):
 * - an update that leaves clusterIP or a port's nodePort empty keeps the old value
 *   (patchAllocatedValues); a set clusterIP may not change;
 * - a change to a type that has no node ports drops the ones carried over
 *   (dropTypeDependentFields); ExternalName has no cluster IP at all;
 * - `None` is a headless Service: nothing is allocated.
 * The allocator (allocate.ts) reserves what this plan asks for.
 */
import { FieldPath, forbidden, invalid, duplicate, type FieldError } from '../field-errors.ts'
import type { KubeObject } from '../ports.ts'
import { inNodePortRange, inServiceRange, NODE_PORT_MAX, NODE_PORT_MIN, parseIPv4, SERVICE_CIDR } from './ranges.ts'

export type IPWant =
  | { readonly kind: 'none' }
  | { readonly kind: 'headless' }
  | { readonly kind: 'keep'; readonly ip: string }
  | { readonly kind: 'request'; readonly ip: string }
  | { readonly kind: 'allocate' }

export type PortWant =
  | { readonly kind: 'none' }
  | { readonly kind: 'keep'; readonly port: number }
  | { readonly kind: 'request'; readonly port: number }
  | { readonly kind: 'allocate' }

export interface AllocationPlan {
  readonly clusterIP: IPWant
  /** One entry per spec.ports entry, in order. */
  readonly nodePorts: readonly PortWant[]
  /** Held before the write and not after it. */
  readonly releaseIPs: readonly string[]
  readonly releasePorts: readonly number[]
}

export type PlanOutcome = { readonly ok: true; readonly plan: AllocationPlan } | { readonly ok: false; readonly errors: readonly FieldError[] }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const specOf = (o: KubeObject | undefined): Obj => (o !== undefined && isObj(o.spec) ? o.spec : {})
const typeOf = (spec: Obj): string => (typeof spec.type === 'string' ? spec.type : 'ClusterIP')
const portsOf = (spec: Obj): Obj[] => (Array.isArray(spec.ports) ? spec.ports.filter(isObj) : [])
const hasNodePorts = (type: string) => type === 'NodePort' || type === 'LoadBalancer'
const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** The cluster IP a stored Service holds ('None' for a headless one), if any. */
export function clusterIPOf(service: KubeObject | undefined): string | undefined {
  const spec = specOf(service)
  if (typeOf(spec) === 'ExternalName') return undefined
  return nonEmpty(spec.clusterIP) ?? (Array.isArray(spec.clusterIPs) ? nonEmpty(spec.clusterIPs[0]) : undefined)
}

/** The node ports a stored Service holds. */
export function nodePortsOf(service: KubeObject | undefined): number[] {
  const spec = specOf(service)
  if (!hasNodePorts(typeOf(spec))) return []
  return portsOf(spec).flatMap((p) => (typeof p.nodePort === 'number' && p.nodePort > 0 ? [p.nodePort] : []))
}

const ipPath = FieldPath.root('spec').child('clusterIP')

function planClusterIP(spec: Obj, previous: KubeObject | undefined): { want: IPWant; errors: FieldError[] } {
  const type = typeOf(spec)
  if (type === 'ExternalName') return { want: { kind: 'none' }, errors: [] }
  const asked = nonEmpty(spec.clusterIP)
  const askedList = Array.isArray(spec.clusterIPs) ? nonEmpty(spec.clusterIPs[0]) : undefined
  const listPath = FieldPath.root('spec').child('clusterIPs').index(0)
  const held = clusterIPOf(previous)
  if (held !== undefined) {
    if (asked !== undefined && asked !== held) return { want: { kind: 'none' }, errors: [invalid(ipPath, asked, 'field is immutable')] }
    if (askedList !== undefined && askedList !== held) return { want: { kind: 'none' }, errors: [invalid(listPath, askedList, 'field is immutable')] }
    return { want: held === 'None' ? { kind: 'headless' } : { kind: 'keep', ip: held }, errors: [] }
  }
  if (asked !== undefined && askedList !== undefined && asked !== askedList) return { want: { kind: 'none' }, errors: [invalid(listPath, askedList, 'must match `spec.clusterIP`')] }
  const requested = asked ?? askedList
  if (requested === undefined) return { want: { kind: 'allocate' }, errors: [] }
  if (requested === 'None') {
    if (hasNodePorts(type)) return { want: { kind: 'none' }, errors: [invalid(ipPath, requested, `may not be set to 'None' for ${type} services`)] }
    return { want: { kind: 'headless' }, errors: [] }
  }
  const ip = parseIPv4(requested)
  if (ip === undefined) return { want: { kind: 'none' }, errors: [invalid(ipPath, requested, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')] }
  if (!inServiceRange(ip)) return { want: { kind: 'none' }, errors: [invalid(ipPath, requested, `provided IP is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`)] }
  return { want: { kind: 'request', ip: requested }, errors: [] }
}

function planNodePorts(spec: Obj, previous: KubeObject | undefined): { wants: PortWant[]; errors: FieldError[] } {
  const type = typeOf(spec)
  const prevPorts = hasNodePorts(typeOf(specOf(previous))) ? portsOf(specOf(previous)) : []
  const held = new Set(nodePortsOf(previous))
  const carried = (p: Obj): number | undefined => {
    const same = prevPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))
    return typeof same?.nodePort === 'number' && same.nodePort > 0 ? same.nodePort : undefined
  }
  const wants: PortWant[] = []
  const errors: FieldError[] = []
  const claimed = new Map<number, string>()
  portsOf(spec).forEach((p, i) => {
    const at = FieldPath.root('spec').child('ports').index(i).child('nodePort')
    const asked = p.nodePort === undefined || p.nodePort === 0 ? undefined : p.nodePort
    if (!hasNodePorts(type)) {
      if (asked !== undefined && asked !== carried(p)) errors.push(forbidden(at, `may not be used when \`type\` is '${type}'`))
      return void wants.push({ kind: 'none' })
    }
    if (asked === undefined) {
      const kept = carried(p)
      return void wants.push(kept === undefined ? { kind: 'allocate' } : { kind: 'keep', port: kept })
    }
    if (typeof asked !== 'number' || !inNodePortRange(asked)) {
      errors.push(invalid(at, asked, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`))
      return void wants.push({ kind: 'none' })
    }
    const protocol = String(p.protocol ?? 'TCP')
    const claimedBy = claimed.get(asked)
    // One node port may serve a TCP and a UDP port of the same Service (Kubernetes allows it), once.
    if (claimedBy === protocol) errors.push(duplicate(at, asked))
    claimed.set(asked, protocol)
    wants.push(held.has(asked) || claimedBy !== undefined ? { kind: 'keep', port: asked } : { kind: 'request', port: asked })
  })
  return { wants, errors }
}

/** The allocations `next` needs, given the stored `previous` (undefined on create). */
export function planServiceAllocation(next: KubeObject, previous: KubeObject | undefined): PlanOutcome {
  const spec = specOf(next)
  const ip = planClusterIP(spec, previous)
  const ports = planNodePorts(spec, previous)
  const errors = [...ip.errors, ...ports.errors]
  if (errors.length > 0) return { ok: false, errors }
  const heldIP = clusterIPOf(previous)
  const keptIP = ip.want.kind === 'keep' ? ip.want.ip : undefined
  const keptPorts = new Set(ports.wants.flatMap((w) => (w.kind === 'keep' ? [w.port] : [])))
  return {
    ok: true,
    plan: {
      clusterIP: ip.want,
      nodePorts: ports.wants,
      releaseIPs: heldIP !== undefined && heldIP !== 'None' && heldIP !== keptIP ? [heldIP] : [],
      releasePorts: [...new Set(nodePortsOf(previous))].filter((p) => !keptPorts.has(p)),
    },
  }
}

/** `service` with the allocated cluster IP and node ports written in (and dropped ones removed). */
export function withAllocations(service: KubeObject, clusterIP: string | undefined, nodePorts: readonly (number | undefined)[]): KubeObject {
  const spec = specOf(service)
  const { clusterIP: _ip, clusterIPs: _ips, ...rest } = spec
  const ports = Array.isArray(spec.ports)
    ? spec.ports.map((p, i) => {
        if (!isObj(p)) return p
        const { nodePort: _np, ...port } = p
        const np = nodePorts[i]
        return np === undefined ? port : { ...port, nodePort: np }
      })
    : spec.ports
  const ipFields = clusterIP === undefined ? {} : { clusterIP, clusterIPs: [clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }
  return { ...service, spec: { ...rest, ...ipFields, ...(ports !== undefined ? { ports } : {}) } }
}
