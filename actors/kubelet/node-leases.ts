/**
 * Renewing each node's Lease in kube-node-lease, as pure state: one write per renewal carrying the
 * last resourceVersion seen (none: create it). A renewal asked for while the last is still out is
 * skipped, not queued; a stale write (409: a previous run of this kubelet wrote it; 404: it is
 * gone) reads the API's version first, and the next renewal writes over that. A write that
 * failed (timed out, no apiserver answered) is sent again at once, once, as Kubernetes' lease
 * controller retries an update: the API client sends it to another apiserver, so a stopped
 * master's costs one heartbeat timeout rather than a whole renewal interval more. The functions
 * mutate the state they are given and return the effects to perform.
 */
import type { EngineEffect } from './engine-io.ts'

export interface NodeLeases {
  /** Each lease's last resourceVersion (undefined: create it). */
  readonly versions: Map<string, string | undefined>
  /** Nodes with a renewal out. */
  readonly renewing: Set<string>
  /** Nodes whose renewal out is the retry of a failed write. */
  readonly retrying: Set<string>
}

export function nodeLeases(): NodeLeases {
  return { versions: new Map(), renewing: new Set(), retrying: new Set() }
}

export function renewLease(s: NodeLeases, nodeName: string): EngineEffect[] {
  if (s.renewing.has(nodeName)) return []
  s.renewing.add(nodeName)
  return [{ type: 'writeLease', nodeName, resourceVersion: s.versions.get(nodeName) }]
}

export function leaseWritten(s: NodeLeases, nodeName: string, outcome: 'written' | 'stale' | 'failed', resourceVersion: string | undefined): EngineEffect[] {
  if (outcome === 'stale') return [{ type: 'readLease', nodeName }]
  if (outcome === 'failed' && !s.retrying.has(nodeName)) {
    s.retrying.add(nodeName)
    return [{ type: 'writeLease', nodeName, resourceVersion: s.versions.get(nodeName) }]
  }
  if (outcome === 'written') s.versions.set(nodeName, resourceVersion)
  s.renewing.delete(nodeName)
  s.retrying.delete(nodeName)
  return []
}

export function leaseRead(s: NodeLeases, nodeName: string, resourceVersion: string | undefined): EngineEffect[] {
  s.versions.set(nodeName, resourceVersion)
  s.renewing.delete(nodeName)
  s.retrying.delete(nodeName)
  return []
}
