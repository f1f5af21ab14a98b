/**
 * The one place that builds NATS subjects. Every subject is
 * `ak.<cluster>.<component>.<instance>.<verb>`; each token is a NATS-safe word so that a
 * subject can never accidentally contain a wildcard or an extra level.
 */

import type { Address } from '../actors/kit/address.ts'

export type { Address }

export const SUBJECT_ROOT = 'ak'
export const DEFAULT_VERB = 'in'

const TOKEN = /^[A-Za-z0-9_-]+$/

/** Throws a TypeError naming the bad token; returns it otherwise. */
export function token(kind: string, value: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new TypeError(`invalid ${kind} ${JSON.stringify(value)}: use letters, digits, '-' or '_'`)
  }
  return value
}

export function subjectFor(cluster: string, address: Address): string {
  return [
    SUBJECT_ROOT,
    token('cluster', cluster),
    token('component', address.component),
    token('instance', address.instance),
    token('verb', address.verb ?? DEFAULT_VERB),
  ].join('.')
}

/** Parses a subject built by {@link subjectFor}; undefined for anything else. */
export function parseSubject(subject: string): { cluster: string; address: Address } | undefined {
  const parts = subject.split('.')
  if (parts.length !== 5 || parts[0] !== SUBJECT_ROOT) return undefined
  const [, cluster, component, instance, verb] = parts as [string, string, string, string, string]
  if (![cluster, component, instance, verb].every((p) => TOKEN.test(p))) return undefined
  return { cluster, address: { component, instance, verb } }
}

/** The chaos control subject of one host, or of all hosts when `host` is omitted. */
export function chaosSubject(cluster: string, host?: string): string {
  return subjectFor(cluster, { component: 'chaos', instance: host ?? 'all', verb: 'control' })
}

/** Every subject of a cluster: what a host-wide observer subscribes to. */
export function clusterWildcard(cluster: string): string {
  return `${SUBJECT_ROOT}.${token('cluster', cluster)}.>`
}

/**
 * NATS wildcard matching: `*` matches one token, `>` (last) one or more. Used by fault rules
 * so that a rule pattern means exactly what it would mean as a NATS subscription.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.')
  const s = subject.split('.')
  for (let i = 0; i < p.length; i++) {
    const want = p[i]
    if (want === '>') return s.length > i
    if (i >= s.length) return false
    if (want !== '*' && want !== s[i]) return false
  }
  return p.length === s.length
}
