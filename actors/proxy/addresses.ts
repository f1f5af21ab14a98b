/**
 * Where a node's kube-proxy listens. There are no iptables here: a Service's virtual cluster IP
 * 10.96.b.c cannot be intercepted, so it is served at the loopback address 127.96.b.c instead
 * (Linux routes all of 127.0.0.0/8 to the loopback interface, so any 127.x.y.z can be bound
 * without configuration). Node and pod addresses are 127.<N>.x.x for worker N, so worker 96's
 * range is the one that would overlap: node numbering must skip 96.
 */
import { parseIPv4 } from '../apiserver/services/ranges.ts'

/** The loopback address ClusterIP `ip` is served at, or undefined for anything not in 10.96.0.0/16. */
export function localAddressOf(clusterIP: string): string | undefined {
  const n = parseIPv4(clusterIP)
  if (n === undefined || n >>> 16 !== ((10 << 8) | 96)) return undefined
  return `127.96.${(n >>> 8) & 255}.${n & 255}`
}

/** NodePorts are also served here, so `curl localhost:<nodePort>` works on any machine running a node. */
export const LOCALHOST = '127.0.0.1'
