/**
 * Table printers for networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy, as
 * Kubernetes' printIngress, printIngressClass and printNetworkPolicy lay them out (the server
 * prints wide, so Ingress addresses are never cut short).
 */
import { AGE_COL, NAME_COL, ageOf, arr, col, nameOf, obj, str } from './columns.ts'
import type { Printer } from './printers.ts'
import { formatSelectorOrNone } from './workload-printers.ts'

/** formatHosts: up to three rule hosts, then ` + N more...`; `*` when no rule names a host. */
export const ingressHosts = (rules: readonly unknown[]): string => {
  const max = 3
  const hosts: string[] = []
  let more = false
  for (const rule of rules) {
    if (hosts.length === max) more = true
    const host = str(obj(rule)['host'])
    if (!more && host !== '') hosts.push(host)
  }
  if (hosts.length === 0) return '*'
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',')
}

/** ingressLoadBalancerStatusStringer: each ingress point's IP (else hostname), sorted, once each. */
export const ingressAddresses = (status: unknown): string => {
  const points = arr(obj(obj(status)['loadBalancer'])['ingress']).map((i) => str(obj(i)['ip']) || str(obj(i)['hostname']))
  return [...new Set(points.filter((p) => p !== ''))].sort().join(',')
}

const ingressPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE_COL,
  ],
  row: (ing, now) => {
    const spec = obj(ing['spec'])
    const ports = arr(spec['tls']).length > 0 ? '80, 443' : '80'
    return { cells: [nameOf(ing), str(spec['ingressClassName']) || '<none>', ingressHosts(arr(spec['rules'])), ingressAddresses(ing['status']), ports, ageOf(ing, now)] }
  },
}

/** `Kind.apiGroup/name` of an IngressClass's parameters, `<none>` without them. */
const parametersText = (parameters: unknown): string => {
  if (parameters === undefined || parameters === null) return '<none>'
  const p = obj(parameters)
  const kind = typeof p['apiGroup'] === 'string' ? `${str(p['kind'])}.${str(p['apiGroup'])}` : str(p['kind'])
  return `${kind}/${str(p['name'])}`
}

const ingressClassPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE_COL,
  ],
  row: (ic, now) => {
    const spec = obj(ic['spec'])
    return { cells: [nameOf(ic), str(spec['controller']), parametersText(spec['parameters']), ageOf(ic, now)] }
  },
}

const networkPolicyPrinter: Printer = {
  columns: [NAME_COL, col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), AGE_COL],
  row: (np, now) => ({ cells: [nameOf(np), formatSelectorOrNone(obj(np['spec'])['podSelector']), ageOf(np, now)] }),
}

/** By `<group>/<resource>`, as PRINTERS keys them. */
export const NETWORKING_PRINTERS: Readonly<Record<string, Printer>> = {
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/ingressclasses': ingressClassPrinter,
  'networking.k8s.io/networkpolicies': networkPolicyPrinter,
}
