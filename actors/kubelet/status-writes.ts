/**
 * The kubelet's status manager as pure state: each pod's latest status goes to pods/<name>/status.
 * Statuses that arrive while a write for the same pod is out replace each other (only the newest
 * goes), at most `concurrency` writes are out at once, a failed write is tried again after
 * {@link STATUS_RETRY_MS}, and when the API shows a pod with a status other than the one last
 * written (the node lifecycle controller marked it not Ready during an outage) the kubelet's own
 * is written again; also when the API showed such a status while the write was out, at a
 * resourceVersion above the one the write produced (the change came after ours: no later event
 * will show it again). The functions mutate the state they are given (150,000 pods: no copies) and
 * return the effects to perform.
 */
import type { PodStatus } from '../kube/objects.ts'
import type { EngineEffect } from './engine-io.ts'
import type { PodRef } from './kubelet-protocol.ts'

export const STATUS_RETRY_MS = 500
export const STATUS_WRITE_CONCURRENCY = 64

interface Entry {
  readonly pod: PodRef
  /** The newest status from the pod actor. */
  status: PodStatus
  /** Not yet written (or written before `status` changed). */
  dirty: boolean
  /** The write out now: its number and what it carries. */
  out: { readonly write: number; readonly digest: string } | undefined
  /** What the API should show once the last write landed. */
  written: string | undefined
  /** The API's newest status seen while the write was out (stale or newer: the write's answer tells). */
  seenWhileOut: { readonly digest: string; readonly resourceVersion: number } | undefined
}

export interface StatusWrites {
  readonly concurrency: number
  readonly entries: Map<string, Entry>
  /** Uids with a dirty status waiting for a free slot, in arrival order. */
  readonly queue: Set<string>
  /** Writes out now (a forgotten pod's write still holds its slot until it comes back). */
  out: number
  nextWrite: number
}

export function statusWrites(concurrency = STATUS_WRITE_CONCURRENCY): StatusWrites {
  return { concurrency, entries: new Map(), queue: new Set(), out: 0, nextWrite: 0 }
}

/** The parts of a status that matter for comparing ours with the API's. */
export function statusDigest(status: PodStatus | undefined): string {
  if (status === undefined) return ''
  return JSON.stringify([
    status.phase,
    status.podIP,
    (status.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
    (status.containerStatuses ?? []).map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {})[0]]),
    (status.initContainerStatuses ?? []).map((c) => [c.name, c.restartCount, Object.keys(c.state ?? {})[0]]),
  ])
}

/** The pod actor's newest status for `pod`. */
export function writeStatus(s: StatusWrites, pod: PodRef, status: PodStatus): EngineEffect[] {
  const entry = s.entries.get(pod.uid)
  if (entry) {
    entry.status = status
    entry.dirty = true
  } else {
    s.entries.set(pod.uid, { pod, status, dirty: true, out: undefined, written: undefined, seenWhileOut: undefined })
  }
  return enqueue(s, pod.uid)
}

/** The API's version of a pod this kubelet runs: ours is written again when it differs. */
export function observeStatus(s: StatusWrites, uid: string, status: PodStatus | undefined, resourceVersion?: string): EngineEffect[] {
  const entry = s.entries.get(uid)
  if (!entry) return []
  const version = versionNumber(resourceVersion)
  if (entry.out && version !== undefined && version > (entry.seenWhileOut?.resourceVersion ?? -1)) entry.seenWhileOut = { digest: statusDigest(status), resourceVersion: version }
  if (entry.dirty || entry.out || entry.written === undefined) return []
  if (statusDigest(status) === entry.written) return []
  entry.dirty = true
  return enqueue(s, uid)
}

/** The pod is gone: nothing more to write. */
export function forgetStatus(s: StatusWrites, uid: string): void {
  s.entries.delete(uid)
  s.queue.delete(uid)
}

/** A write came back; its slot is free again. */
export function statusWritten(s: StatusWrites, write: number, uid: string, outcome: 'written' | 'gone' | 'failed', resourceVersion?: string): EngineEffect[] {
  s.out--
  const entry = s.entries.get(uid)
  // Forgotten meanwhile (and perhaps seen again since, with a write of its own): not this write's.
  if (!entry || entry.out?.write !== write) return pump(s)
  const { digest } = entry.out
  const seen = entry.seenWhileOut
  entry.out = undefined
  entry.seenWhileOut = undefined
  if (outcome === 'gone') {
    forgetStatus(s, uid)
    return pump(s)
  }
  if (outcome === 'failed') {
    entry.dirty = true
    return [{ type: 'after', ms: STATUS_RETRY_MS, input: { type: 'statusRetry', uid } }, ...pump(s)]
  }
  entry.written = digest
  // Changed by someone else after our write landed, and that event already came (and was set aside).
  const version = versionNumber(resourceVersion)
  if (seen !== undefined && version !== undefined && seen.resourceVersion > version && seen.digest !== digest) entry.dirty = true
  return entry.dirty ? enqueue(s, uid) : pump(s)
}

/** Kubernetes versions are opaque strings; ours are numbers (undefined: not one, not compared). */
function versionNumber(resourceVersion: string | undefined): number | undefined {
  return resourceVersion !== undefined && /^\d+$/.test(resourceVersion) ? Number(resourceVersion) : undefined
}

/** A failed write's retry is due. */
export function retryStatus(s: StatusWrites, uid: string): EngineEffect[] {
  return enqueue(s, uid)
}

function enqueue(s: StatusWrites, uid: string): EngineEffect[] {
  const entry = s.entries.get(uid)
  if (!entry || entry.out) return []
  s.queue.add(uid)
  return pump(s)
}

function pump(s: StatusWrites): EngineEffect[] {
  const effects: EngineEffect[] = []
  while (s.out < s.concurrency && s.queue.size > 0) {
    const uid = s.queue.values().next().value as string
    s.queue.delete(uid)
    const entry = s.entries.get(uid)
    if (!entry || !entry.dirty) continue
    const write = s.nextWrite++
    entry.dirty = false
    entry.out = { write, digest: statusDigest(entry.status) }
    s.out++
    effects.push({ type: 'patchStatus', write, pod: entry.pod, status: entry.status })
  }
  return effects
}
