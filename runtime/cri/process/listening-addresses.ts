/**
 * The IPv4 addresses something on this machine listens on, from /proc/net/tcp (Linux). A pod's
 * loopback address is only its own if nothing else holds it: another actorkube cluster on the
 * same machine hands out the same 127.N.0.0/16 ranges, and a container started on an address
 * another program listens on dies with EADDRINUSE as soon as it binds its port.
 */
import { readFileSync } from 'node:fs'
import { endianness } from 'node:os'

/** st column of a socket in LISTEN state (include/net/tcp_states.h: TCP_LISTEN = 10). */
const LISTEN = '0A'

/**
 * Local addresses of the LISTEN sockets in a /proc/net/tcp text. The kernel prints each address
 * as the raw 32-bit word in host byte order, so on a little-endian machine the octets are reversed.
 * Wildcard listeners (0.0.0.0) are left out: no choice of address avoids them.
 */
export function parseListeningIPv4(procNetTcp: string, littleEndian: boolean): Set<string> {
  const addresses = new Set<string>()
  for (const line of procNetTcp.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/)
    if (state !== LISTEN || local === undefined) continue
    const hex = local.split(':')[0] ?? ''
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) continue
    const octets = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16))
    const ip = (littleEndian ? octets.reverse() : octets).join('.')
    if (ip !== '0.0.0.0') addresses.add(ip)
  }
  return addresses
}

/** Empty where /proc cannot tell (not Linux): then nothing is known to be taken. */
export function listeningAddresses(): Set<string> {
  try {
    return parseListeningIPv4(readFileSync('/proc/net/tcp', 'utf8'), endianness() === 'LE')
  } catch {
    return new Set()
  }
}
