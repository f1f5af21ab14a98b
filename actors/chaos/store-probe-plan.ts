/**
 * The store probe's bookkeeping, pure: where its keys live, what each run writes and reads, and
 * how the check of its history after the experiment lands in the verdict and in `.status`. The
 * probe itself (runtime/chaos/store-probe.ts) does the I/O and runs the linearizability checker.
 *
 * Run n puts the value `r<n>` to key n mod K and reads key n+1 mod K (written one run earlier in
 * the cycle), so reads see the writes of other runs and every key is written again and again.
 * After the experiment one final read per key shows whether every acknowledged write survived.
 */
import type { ProbeStatus } from './api.ts'

/** Keys per store probe: few, so each key's history is long and a stale read shows up. */
export const STORE_PROBE_KEYS = 8

/** The store check of one probe, as `store.checked` carries it and `.status.probes[]` shows it. */
export interface StoreProbeCheck {
  readonly name: string
  readonly linearizable: boolean
  /** Operations in its history (the final reads included). */
  readonly operations: number
  readonly ackedWritesLost: number
  /** What the checker found, when it found something. */
  readonly detail?: string
}

/**
 * The prefix of one probe's keys in one experiment: under `keyPrefix` (default
 * `/chaos/<namespace>/<experiment>/`), then the experiment's uid, the probe's name and the
 * controller's `term` (who leads, since when), so two runs of an experiment of the same name, two
 * probes, or two controllers in turn never share a key. A successor writing the keys its
 * predecessor wrote would read values its own history never wrote, and the checker would call
 * that a violation.
 */
export function storeProbePrefix(experiment: { readonly namespace: string; readonly name: string; readonly uid: string }, probe: string, term: string, keyPrefix?: string): string {
  const base = keyPrefix ?? `/chaos/${experiment.namespace}/${experiment.name}/`
  return `${base.endsWith('/') ? base : `${base}/`}${experiment.uid}/${probe}/${term}/`
}

export const storeProbeKey = (prefix: string, index: number): string => `${prefix}k${index}`

/** Run n's two operations. */
export function storeProbeRun(prefix: string, n: number): { readonly put: { readonly key: string; readonly value: string }; readonly get: string } {
  return { put: { key: storeProbeKey(prefix, n % STORE_PROBE_KEYS), value: `r${n}` }, get: storeProbeKey(prefix, (n + 1) % STORE_PROBE_KEYS) }
}

/** Every key of a probe, for the final reads. */
export const storeProbeKeys = (prefix: string): string[] => Array.from({ length: STORE_PROBE_KEYS }, (_, i) => storeProbeKey(prefix, i))

/** The probes' checks folded into one: linearizable if every one is, writes lost summed. */
export function combineStoreChecks(checks: readonly StoreProbeCheck[]): { readonly linearizable: boolean; readonly ackedWritesLost: number } {
  return { linearizable: checks.every((c) => c.linearizable), ackedWritesLost: checks.reduce((sum, c) => sum + c.ackedWritesLost, 0) }
}

/** Why a store check fails the experiment (undefined: it does not), naming the probes. */
export function storeCheckFailure(checks: readonly StoreProbeCheck[]): string | undefined {
  const lost = checks.filter((c) => c.ackedWritesLost > 0)
  if (lost.length > 0) return `AckedWritesLost: ${lost.reduce((sum, c) => sum + c.ackedWritesLost, 0)} (${lost.map((c) => c.name).join(', ')})`
  const nonLinear = checks.filter((c) => !c.linearizable)
  if (nonLinear.length > 0) return `NotLinearizable: ${nonLinear.map((c) => `${c.name}${c.detail !== undefined ? ` (${c.detail})` : ''}`).join(', ')}`
  return undefined
}

/** `.status.probes[]` with each store probe's check added to its entry. */
export function withStoreChecks(probes: readonly ProbeStatus[], checks: readonly StoreProbeCheck[] | undefined): ProbeStatus[] {
  return probes.map((p) => {
    const check = checks?.find((c) => c.name === p.name)
    return check === undefined ? p : { ...p, linearizable: check.linearizable, operations: check.operations, ackedWritesLost: check.ackedWritesLost }
  })
}
