/**
 * The address and port ranges Services draw from, as kube-apiserver's defaults
 * (`--service-cluster-ip-range=10.96.0.0/16`, `--service-node-port-range=30000-32767`), and the
 * IPv4 arithmetic the allocators need.
 */

export const SERVICE_CIDR = '10.96.0.0/16'
const CIDR_BASE = (10 << 24) | (96 << 16)
const CIDR_SIZE = 1 << 16

/** The address the `kubernetes` Service holds (the first of the range); random allocation skips it. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1'

export const NODE_PORT_MIN = 30000
export const NODE_PORT_MAX = 32767

/** A dotted-quad IPv4 address as an unsigned 32-bit number; undefined if it is not one. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export const inServiceRange = (ip: number): boolean => ip >= CIDR_BASE && ip < CIDR_BASE + CIDR_SIZE

/**
 * The `index`-th address random allocation may hand out: neither the network address, nor the
 * `kubernetes` Service's, nor the broadcast address (which Kubernetes' allocator also reserves).
 */
export function allocatableIP(index: number): string {
  const usable = CIDR_SIZE - 3
  return formatIPv4(CIDR_BASE + 2 + (((index % usable) + usable) % usable))
}
export const ALLOCATABLE_IPS = CIDR_SIZE - 3

export const inNodePortRange = (port: number): boolean => Number.isInteger(port) && port >= NODE_PORT_MIN && port <= NODE_PORT_MAX
export const NODE_PORTS = NODE_PORT_MAX - NODE_PORT_MIN + 1
export const nodePortAt = (index: number): number => NODE_PORT_MIN + (((index % NODE_PORTS) + NODE_PORTS) % NODE_PORTS)
