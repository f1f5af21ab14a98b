/**
 * A chaos experiment's report: what `actorkube chaos report` writes as JSON and draws as HTML.
 * Pure: the experiment object (spec and `.status`) in, a plain model out. It summarizes the spec
 * (faults with their selectors, probes with what they check), carries the seed and the verdict,
 * per fault its targets and injected/healed times, per round the time to detect and to recover,
 * per probe its availability, errors, store check results when there are any and its timeline.
 * Times stay ISO strings as in `.status`; `atS` fields are seconds from the experiment's start,
 * which is what the chart's axis shows.
 */
import type { ChaosExperimentSpec, ChaosExperimentStatus, FaultStatus, FaultTarget, ProbeSpec, ProbeStatus, RoundStatus, TimelineSegmentStatus } from './api.ts'

export const REPORT_VERSION = 'actorkube.io/chaos-report/v1'

/** A fault as `.status` has it, and how long it was in force (to the heal, or to the report if never healed). */
export type ReportFault = Omit<FaultStatus, 'leaseExpiresAt'> & { readonly durationMs?: number }

export type ReportRound = Omit<RoundStatus, 'startedAt'>

export interface ReportProbe {
  readonly name: string
  readonly type: string
  /** What it checks, in words (`nodeReady worker-1`, `GET http://...`). */
  readonly checks: string
  readonly successes: number
  readonly failures: number
  readonly availabilityPercent: number
  readonly minAvailabilityPercent?: number
  readonly lastError?: string
  /** Store probes, when checked. */
  readonly linearizable?: boolean
  readonly operations?: number
  readonly ackedWritesLost?: number
  readonly timeline: readonly TimelineSegmentStatus[]
}

export interface ChaosReport {
  readonly reportVersion: typeof REPORT_VERSION
  readonly experiment: { readonly name: string; readonly namespace: string; readonly uid?: string }
  readonly generatedAt: string
  readonly phase: string
  readonly verdict?: string
  readonly reason?: string
  readonly seed: number
  readonly startedAt?: string
  readonly finishedAt?: string
  readonly durationMs?: number
  readonly spec: {
    readonly mode: 'Serial' | 'Parallel'
    readonly repeat: number
    readonly interval?: string
    readonly recoveryTimeout?: string
    readonly abort?: string
    readonly faults: readonly { readonly name: string; readonly kind: string; readonly duration: string; readonly mode: string; readonly target: string; readonly params?: Readonly<Record<string, unknown>> }[]
  }
  readonly faults: readonly ReportFault[]
  readonly rounds: readonly ReportRound[]
  readonly probes: readonly ReportProbe[]
  readonly timeToDetectMs?: number
  readonly timeToRecoverMs?: number
  readonly store?: { readonly linearizable?: boolean; readonly ackedWritesLost?: number }
  readonly errors: readonly string[]
  readonly warnings: readonly string[]
}

/** What the report reads of a ChaosExperiment object. */
export interface ExperimentObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly uid?: string; readonly creationTimestamp?: string }
  readonly spec?: ChaosExperimentSpec
  readonly status?: ChaosExperimentStatus
}

/** A store probe's check, as the controller writes it beside the counts. */
type StoreResults = { readonly linearizable?: boolean; readonly operations?: number; readonly ackedWritesLost?: number }

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
const between = (from: string | undefined, to: string | undefined): number | undefined => (from === undefined || to === undefined ? undefined : Date.parse(to) - Date.parse(from))
const labels = (l: Readonly<Record<string, string>> | undefined): string => Object.entries(l ?? {}).map(([k, v]) => `${k}=${v}`).join(',')

/** A fault's selector in words: `hosts roles=worker`, `leader store`, `pods default app=web`. */
export function targetText(target: FaultTarget): string {
  const parts: string[] = []
  if (target.hosts !== undefined) parts.push(`hosts ${[target.hosts.names?.length ? `names=${target.hosts.names.join(',')}` : '', target.hosts.roles?.length ? `roles=${target.hosts.roles.join(',')}` : ''].filter((x) => x !== '').join(' ') || 'all'}`)
  if (target.actors !== undefined) parts.push(`actors ${target.actors.kind}${target.actors.ids?.length ? `/${target.actors.ids.join(',')}` : ''}`)
  if (target.leader !== undefined) parts.push(`leader ${target.leader}`)
  if (target.pods !== undefined) parts.push(`pods ${target.pods.namespace ?? 'default'}${target.pods.selector?.matchLabels ? ` ${labels(target.pods.selector.matchLabels)}` : ''}`)
  if (target.nodes !== undefined) parts.push(`nodes ${labels(target.nodes.selector?.matchLabels) || 'all'}`)
  if (target.groups !== undefined) parts.push(`groups ${target.groups.map((g) => `[${g.join(',')}]`).join(' | ')}`)
  return parts.join('; ')
}

/** What a probe checks, in words. */
export function probeText(p: ProbeSpec): string {
  const k = p.kubernetes
  if (p.type === 'kubernetes' && k !== undefined) {
    if (k.deploymentAvailable) return `deployment ${k.deploymentAvailable.namespace ?? 'default'}/${k.deploymentAvailable.name} Available`
    if (k.podsReady) return `${k.podsReady.count} pods Ready in ${k.podsReady.namespace ?? 'default'} (${labels(k.podsReady.selector.matchLabels)})`
    if (k.nodeReady) return `node ${k.nodeReady.name} Ready`
  }
  if (p.type === 'http' && p.http !== undefined) {
    const where = p.http.url ?? `service ${p.http.service?.namespace ?? 'default'}/${p.http.service?.name}${p.http.service?.port !== undefined ? `:${p.http.service.port}` : ''}`
    return `${p.http.method ?? 'GET'} ${where} -> ${p.http.expectStatus ?? 200}${p.http.bodyMatches !== undefined ? ` /${p.http.bodyMatches}/` : ''}`
  }
  if (p.type === 'store') return `linearizable writes and reads${p.store?.keyPrefix ? ` under ${p.store.keyPrefix}` : ''}`
  if (p.type === 'metric' && p.metric !== undefined) return `${p.metric.expr} ${p.metric.comparator.op} ${p.metric.comparator.value}`
  return p.type
}

/** The report of one experiment at `now` (ISO); its status may be mid-run. */
export function buildReport(object: ExperimentObject, now: string): ChaosReport {
  const name = object.metadata?.name ?? ''
  const status = object.status
  if (status === undefined) throw new Error(`chaosexperiment ${name} has no status yet: no chaos controller has run it`)
  const spec: ChaosExperimentSpec = object.spec ?? { method: { faults: [] } }
  const end = status.finishedAt ?? now
  const probeSpecs = spec.steadyState?.probes ?? []
  const abort = spec.abort?.onProbeFailure ? `on ${spec.abort.failureThreshold ?? 1} failure(s) of ${(spec.abort.probes ?? probeSpecs.map((p) => p.name)).join(', ')}` : undefined
  return defined({
    reportVersion: REPORT_VERSION,
    experiment: defined({ name, namespace: object.metadata?.namespace ?? 'default', uid: object.metadata?.uid }),
    generatedAt: now,
    phase: status.phase,
    verdict: status.verdict,
    reason: status.reason,
    seed: status.seed,
    startedAt: status.startedAt,
    finishedAt: status.finishedAt,
    durationMs: between(status.startedAt, status.finishedAt),
    spec: defined({
      mode: spec.method.mode ?? 'Serial',
      repeat: spec.repeat ?? 1,
      interval: spec.interval,
      recoveryTimeout: spec.recoveryTimeout,
      abort,
      faults: spec.method.faults.map((f) => defined({ name: f.name, kind: f.kind, duration: f.duration, mode: f.mode === 'fixed' || f.mode === 'percent' ? `${f.mode} ${f.value}` : (f.mode ?? 'one'), target: targetText(f.target), params: f.params })),
    }),
    faults: status.faults.map((f) => defined({ name: f.name, round: f.round, kind: f.kind, targets: f.targets, injectedAt: f.injectedAt, healedAt: f.healedAt, durationMs: between(f.injectedAt, f.healedAt ?? (f.injectedAt !== undefined ? end : undefined)), error: f.error })),
    rounds: status.rounds.map((r) => defined({ round: r.round, injectedAt: r.injectedAt, detectedAt: r.detectedAt, recoveredAt: r.recoveredAt, timeToDetectMs: r.timeToDetectMs, timeToRecoverMs: r.timeToRecoverMs })),
    probes: status.probes.map((p: ProbeStatus & StoreResults) => {
      const planned = probeSpecs.find((s) => s.name === p.name)
      return defined({
        name: p.name,
        type: planned?.type ?? 'unknown',
        checks: planned === undefined ? '' : probeText(planned),
        successes: p.successes,
        failures: p.failures,
        availabilityPercent: p.availabilityPercent,
        minAvailabilityPercent: planned?.minAvailabilityPercent,
        lastError: p.lastError,
        linearizable: p.linearizable,
        operations: p.operations,
        ackedWritesLost: p.ackedWritesLost,
        timeline: p.timeline ?? [],
      })
    }),
    timeToDetectMs: status.timeToDetectMs,
    timeToRecoverMs: status.timeToRecoverMs,
    store: status.linearizable === undefined && status.ackedWritesLost === undefined ? undefined : defined({ linearizable: status.linearizable, ackedWritesLost: status.ackedWritesLost }),
    errors: status.errors,
    warnings: status.warnings,
  })
}
