/**
 * When the controllers whose input is the whole cluster run. Each has a minimum interval
 * between starts (a pass reads every object: at 100,000 pods one every 500 ms would keep a core
 * busy) and may have a period (it runs at least that often even if nothing changed):
 *
 * - node lifecycle: after any change, and every grace period / 2 at least (heartbeats go stale
 *   without an event); at most every grace period / 25, between 100 and 500 ms, because a node
 *   goes Unknown and its pods are evicted at deadlines the pass asks to run at, and a pass that
 *   ran just before one delays it by up to this (200 ms with `up`'s 5 s grace; 500 ms with a
 *   hollow pool's 40 s, whose passes read the most objects);
 * - pod GC: every 5 s (Kubernetes: 20 s);
 * - the garbage collector: only after the ownership graph changed, at most every second.
 *
 * A controller is never due while it runs; its run's end is when to look again. Pure.
 */
import { WHOLE_CLUSTER_WORK, type WholeClusterWork } from './work-item.ts'

export const NODE_LIFECYCLE_MIN_INTERVAL = { floorMs: 100, ceilingMs: 500, graceShare: 1 / 25 } as const
export const POD_GC_INTERVAL_MS = 5000
export const GC_MIN_INTERVAL_MS = 1000

export interface ScheduleRule {
  readonly minIntervalMs: number
  /** Wanted again this long after each start, change or not. */
  readonly periodMs?: number
}

export type ScheduleRules = Readonly<Record<WholeClusterWork, ScheduleRule>>

export interface Schedule {
  readonly lastStart?: number
  /** From when a run is wanted (a change, a requeue, the period); undefined: not wanted. */
  readonly wantedAt?: number
}

export type Schedules = Readonly<Record<WholeClusterWork, Schedule>>

/** Nothing wanted yet: the manager wants every controller once its caches are synced. */
export const NO_SCHEDULES: Schedules = { nodelifecycle: {}, podgc: {}, gc: {} }

export function nodeLifecycleMinIntervalMs(gracePeriodMs: number): number {
  const { floorMs, ceilingMs, graceShare } = NODE_LIFECYCLE_MIN_INTERVAL
  return Math.min(ceilingMs, Math.max(floorMs, gracePeriodMs * graceShare))
}

export function scheduleRules(options: { readonly nodeGracePeriodMs: number }): ScheduleRules {
  return {
    nodelifecycle: { minIntervalMs: nodeLifecycleMinIntervalMs(options.nodeGracePeriodMs), periodMs: Math.max(100, options.nodeGracePeriodMs / 2) },
    podgc: { minIntervalMs: POD_GC_INTERVAL_MS, periodMs: POD_GC_INTERVAL_MS },
    gc: { minIntervalMs: GC_MIN_INTERVAL_MS },
  }
}

/** Wants a run of `work` from `at` on (an earlier want stands). */
export function want(schedules: Schedules, work: WholeClusterWork, at: number): Schedules {
  const s = schedules[work]
  if (s.wantedAt !== undefined && s.wantedAt <= at) return schedules
  return { ...schedules, [work]: { ...s, wantedAt: at } }
}

/** When `work` may start next; undefined if no run is wanted. */
export function dueAt(schedule: Schedule, rule: ScheduleRule): number | undefined {
  if (schedule.wantedAt === undefined) return undefined
  return schedule.lastStart === undefined ? schedule.wantedAt : Math.max(schedule.wantedAt, schedule.lastStart + rule.minIntervalMs)
}

/** Starts (records the start of) every controller due at `now` and not running. */
export function startDue(
  schedules: Schedules,
  rules: ScheduleRules,
  now: number,
  running: (work: WholeClusterWork) => boolean,
): { readonly schedules: Schedules; readonly start: readonly WholeClusterWork[] } {
  const start = WHOLE_CLUSTER_WORK.filter((work) => !running(work) && (dueAt(schedules[work], rules[work]) ?? Infinity) <= now)
  if (start.length === 0) return { schedules, start }
  const next = { ...schedules }
  for (const work of start) {
    const period = rules[work].periodMs
    next[work] = { lastStart: now, ...(period !== undefined ? { wantedAt: now + period } : {}) }
  }
  return { schedules: next, start }
}

/** The earliest time a controller that is not running falls due. */
export function nextDue(schedules: Schedules, rules: ScheduleRules, running: (work: WholeClusterWork) => boolean): number | undefined {
  let next: number | undefined
  for (const work of WHOLE_CLUSTER_WORK) {
    if (running(work)) continue
    const at = dueAt(schedules[work], rules[work])
    if (at !== undefined && (next === undefined || at < next)) next = at
  }
  return next
}
