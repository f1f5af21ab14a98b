/**
 * networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy on the API server: defaulting
 * (SetDefaults_NetworkPolicy and its ports' protocol) and validation with field paths as
 * ValidateIngressCreate, ValidateIngressClass(Update) and ValidateNetworkPolicy do. Their data
 * planes are not here: these objects are stored and served.
 */
import { FieldPath, forbidden, invalid, notSupported, required, type FieldError } from '../field-errors.ts'
import { isDNS1123Subdomain, isQualifiedName } from '../meta/names.ts'
import type { KubeObject } from '../ports.ts'
import { immutableField, isObj, labelSelector, objOf, portNumber, type Obj } from './field-values.ts'

const spec = FieldPath.root('spec')
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']
const POLICY_TYPES = ['Egress', 'Ingress']
const PROTOCOLS = ['SCTP', 'TCP', 'UDP']
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/

// ------------------------------------------------------------------ defaults

const withProtocol = (ports: unknown): unknown => (Array.isArray(ports) ? ports.map((p) => (isObj(p) ? { protocol: 'TCP', ...p } : p)) : ports)
const rulesWithProtocol = (rules: unknown): unknown => (Array.isArray(rules) ? rules.map((r) => (isObj(r) && r.ports !== undefined ? { ...r, ports: withProtocol(r.ports) } : r)) : rules)

/** SetDefaults_NetworkPolicy: policyTypes Ingress (and Egress with egress rules); ports TCP. */
export function defaultNetworkPolicy(o: KubeObject): KubeObject {
  const s = objOf(o.spec)
  const egress = Array.isArray(s.egress) && s.egress.length > 0
  const policyTypes = Array.isArray(s.policyTypes) && s.policyTypes.length > 0 ? s.policyTypes : egress ? ['Ingress', 'Egress'] : ['Ingress']
  const defaulted: Obj = { podSelector: {}, ...s, policyTypes }
  if (s.ingress !== undefined) defaulted.ingress = rulesWithProtocol(s.ingress)
  if (s.egress !== undefined) defaulted.egress = rulesWithProtocol(s.egress)
  return { ...o, spec: defaulted }
}

// ------------------------------------------------------------------ Ingress

/** A rule's host: a DNS subdomain, possibly `*.` wildcarded, never an IP address. */
function host(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined || value === '') return []
  const text = String(value)
  if (IPV4.test(text) || text.includes(':')) return [invalid(path, text, 'must be a DNS name, not an IP address')]
  const name = text.startsWith('*.') ? text.slice(2) : text
  return isDNS1123Subdomain(name).map((m) => invalid(path, text, m))
}

function serviceBackend(service: Obj, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  if (typeof service.name !== 'string' || service.name === '') errors.push(required(path.child('name')))
  const port = objOf(service.port)
  const hasName = typeof port.name === 'string' && port.name !== ''
  const hasNumber = port.number !== undefined && port.number !== 0
  if (hasName && hasNumber) errors.push(invalid(path.child('port'), port, 'cannot set both port name & port number'))
  else if (hasNumber) errors.push(...portNumber(port.number, path.child('port').child('number')))
  else if (!hasName) errors.push(required(path.child('port'), 'port name or number is required'))
  return errors
}

/** validateIngressBackend: exactly one of a service or a resource. */
function backend(b: unknown, path: FieldPath): FieldError[] {
  const o = objOf(b)
  const hasService = isObj(o.service)
  const hasResource = isObj(o.resource)
  if (hasService && hasResource) return [invalid(path, '', 'cannot set both resource and service backends')]
  if (hasService) return serviceBackend(o.service as Obj, path.child('service'))
  if (hasResource) return typeof (o.resource as Obj).kind === 'string' && typeof (o.resource as Obj).name === 'string' ? [] : [required(path.child('resource'), 'kind and name are required')]
  return [invalid(path, '', 'resource or service backend is required')]
}

function ingressPath(p: unknown, at: FieldPath): FieldError[] {
  const o = objOf(p)
  const errors: FieldError[] = []
  if (o.pathType === undefined || o.pathType === '') errors.push(required(at.child('pathType'), 'pathType must be specified'))
  else if (!PATH_TYPES.includes(String(o.pathType))) errors.push(notSupported(at.child('pathType'), o.pathType, PATH_TYPES))
  else if (o.pathType !== 'ImplementationSpecific' && !String(o.path ?? '').startsWith('/')) errors.push(invalid(at.child('path'), o.path ?? '', 'must be an absolute path'))
  return [...errors, ...backend(o.backend, at.child('backend'))]
}

function ingressRule(rule: unknown, at: FieldPath): FieldError[] {
  const r = objOf(rule)
  const errors = host(r.host, at.child('host'))
  if (r.http === undefined) return errors
  const paths = objOf(r.http).paths
  if (!Array.isArray(paths) || paths.length === 0) return [...errors, required(at.child('http').child('paths'))]
  return [...errors, ...paths.flatMap((p, i) => ingressPath(p, at.child('http').child('paths').index(i)))]
}

export function validateIngress(o: KubeObject): FieldError[] {
  const s = objOf(o.spec)
  const rules = Array.isArray(s.rules) ? s.rules : []
  const errors: FieldError[] = []
  if (s.defaultBackend === undefined && rules.length === 0) errors.push(invalid(spec, s, 'either `defaultBackend` or `rules` must be specified'))
  if (s.defaultBackend !== undefined) errors.push(...backend(s.defaultBackend, spec.child('defaultBackend')))
  rules.forEach((r, i) => errors.push(...ingressRule(r, spec.child('rules').index(i))))
  const tls = Array.isArray(s.tls) ? s.tls : []
  tls.forEach((t, i) => {
    const hosts = objOf(t).hosts
    if (Array.isArray(hosts)) hosts.forEach((h, j) => errors.push(...host(h, spec.child('tls').index(i).child('hosts').index(j))))
  })
  if (s.ingressClassName !== undefined && s.ingressClassName !== null) errors.push(...isDNS1123Subdomain(String(s.ingressClassName)).map((m) => invalid(spec.child('ingressClassName'), s.ingressClassName, m)))
  return errors
}

// ------------------------------------------------------------------ IngressClass

/** ValidateIngressClass: a domain-prefixed controller path, at most 250 characters, immutable. */
export function validateIngressClass(o: KubeObject, old?: KubeObject): FieldError[] {
  const controller = objOf(o.spec).controller
  const at = spec.child('controller')
  const errors: FieldError[] = []
  if (typeof controller !== 'string' || controller === '') errors.push(required(at))
  else if (controller.length > 250) errors.push(invalid(at, controller, 'must be no more than 250 characters'))
  else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/\S+$/.test(controller)) errors.push(invalid(at, controller, 'must be a domain-prefixed path (such as "acme.io/foo")'))
  return old === undefined ? errors : [...errors, ...immutableField(controller, objOf(old.spec).controller, at)]
}

// ------------------------------------------------------------------ NetworkPolicy

function cidr(value: unknown, path: FieldPath): FieldError[] {
  const text = String(value ?? '')
  const [ip, bits, extra] = text.split('/')
  const v4 = ip !== undefined && IPV4.test(ip)
  const v6 = ip !== undefined && ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip)
  const max = v4 ? 32 : 128
  const ok = extra === undefined && (v4 || v6) && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= max
  return ok ? [] : [invalid(path, text, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')]
}

function peer(p: unknown, at: FieldPath): FieldError[] {
  const o = objOf(p)
  const kinds = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => o[k] !== undefined && o[k] !== null)
  if (kinds.length === 0) return [required(at, 'must specify a peer')]
  if (kinds.includes('ipBlock') && kinds.length > 1) return [forbidden(at, 'may not specify both ipBlock and another peer')]
  const errors = [...labelSelector(o.podSelector, at.child('podSelector')), ...labelSelector(o.namespaceSelector, at.child('namespaceSelector'))]
  if (isObj(o.ipBlock)) {
    errors.push(...cidr(o.ipBlock.cidr, at.child('ipBlock').child('cidr')))
    const except = Array.isArray(o.ipBlock.except) ? o.ipBlock.except : []
    except.forEach((e, i) => errors.push(...cidr(e, at.child('ipBlock').child('except').index(i))))
  }
  return errors
}

function policyPort(p: unknown, at: FieldPath): FieldError[] {
  const o = objOf(p)
  const errors: FieldError[] = []
  if (o.protocol !== undefined && !PROTOCOLS.includes(String(o.protocol))) errors.push(notSupported(at.child('protocol'), o.protocol, PROTOCOLS))
  if (typeof o.port === 'number') errors.push(...portNumber(o.port, at.child('port')))
  else if (typeof o.port === 'string') errors.push(...isQualifiedName(o.port).slice(0, 1).map((m) => invalid(at.child('port'), o.port, m)))
  if (o.endPort !== undefined) {
    if (typeof o.port !== 'number') errors.push(required(at.child('port'), 'when endPort is specified'))
    else if (!Number.isInteger(o.endPort) || (o.endPort as number) < o.port) errors.push(invalid(at.child('endPort'), o.endPort, 'must be greater than or equal to `port`'))
  }
  return errors
}

function policyRules(rules: unknown, at: FieldPath, peers: 'from' | 'to'): FieldError[] {
  if (!Array.isArray(rules)) return []
  return rules.flatMap((rule, i) => {
    const r = objOf(rule)
    const here = at.index(i)
    const ports = Array.isArray(r.ports) ? r.ports : []
    const ps = Array.isArray(r[peers]) ? (r[peers] as unknown[]) : []
    return [...ports.flatMap((p, j) => policyPort(p, here.child('ports').index(j))), ...ps.flatMap((p, j) => peer(p, here.child(peers).index(j)))]
  })
}

export function validateNetworkPolicy(o: KubeObject): FieldError[] {
  const s = objOf(o.spec)
  const errors = [...labelSelector(s.podSelector, spec.child('podSelector')), ...policyRules(s.ingress, spec.child('ingress'), 'from'), ...policyRules(s.egress, spec.child('egress'), 'to')]
  const types = Array.isArray(s.policyTypes) ? s.policyTypes : []
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(String(t))) errors.push(notSupported(spec.child('policyTypes').index(i), t, POLICY_TYPES))
  })
  if (types.length > 2) errors.push(invalid(spec.child('policyTypes'), types, 'may not specify more than two policyTypes'))
  return errors
}

/** By kind, as VALIDATORS and DEFAULTERS key them. */
export const NETWORKING_KIND_VALIDATORS: Readonly<Record<string, (o: KubeObject, old?: KubeObject) => FieldError[]>> = {
  Ingress: validateIngress,
  IngressClass: validateIngressClass,
  NetworkPolicy: validateNetworkPolicy,
}

export const NETWORKING_KIND_DEFAULTERS: Readonly<Record<string, (o: KubeObject) => KubeObject>> = {
  NetworkPolicy: defaultNetworkPolicy,
}
