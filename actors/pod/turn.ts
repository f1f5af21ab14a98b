/**
 * One step of a pod actor as data: the new core plus the effects the machine carries out in
 * order (commands to the runtime, reports to the parent, timers to arm or disarm). Handlers
 * build it through these helpers, so they stay pure.
 */
import type { CriCommand, PodReport } from './pod-protocol.ts'
import { type ContainerRecord, type PodCore, record } from './pod-core.ts'

export type Effect =
  | { readonly kind: 'cri'; readonly command: CriCommand }
  | { readonly kind: 'report'; readonly report: PodReport }
  /** Deliver `{ type: 'pod.timer', key, gen }` to the pod itself after delayMs (replacing an armed timer of that key). */
  | { readonly kind: 'arm'; readonly key: string; readonly gen: number; readonly delayMs: number }
  | { readonly kind: 'disarm'; readonly key: string }

/** A timer of the pod's own, due: armed by an `arm` effect. */
export interface PodTimer {
  readonly type: 'pod.timer'
  readonly key: string
  readonly gen: number
}

export interface Turn {
  core: PodCore
  readonly now: number
  readonly effects: Effect[]
}

export const beginTurn = (core: PodCore): Turn => ({ core, now: core.now(), effects: [] })

export const cri = (t: Turn, command: CriCommand): void => {
  t.effects.push({ kind: 'cri', command })
}

export const uidOf = (t: Turn): string => t.core.pod.metadata.uid ?? ''

export function podEvent(t: Turn, eventType: 'Normal' | 'Warning', reason: string, message: string): void {
  t.effects.push({ kind: 'report', report: { type: 'pod.event', uid: uidOf(t), eventType, reason, message } })
}

export function update(t: Turn, name: string, patch: Partial<ContainerRecord>): ContainerRecord {
  const next = { ...record(t.core, name), ...patch }
  t.core = { ...t.core, containers: { ...t.core.containers, [name]: next } }
  return next
}

export function arm(t: Turn, key: string, delayMs: number): void {
  const gen = t.core.nextGen
  t.core = { ...t.core, nextGen: gen + 1, timers: { ...t.core.timers, [key]: gen } }
  t.effects.push({ kind: 'arm', key, gen, delayMs })
}

export function disarm(t: Turn, key: string): void {
  if (t.core.timers[key] === undefined) return
  const { [key]: _gone, ...timers } = t.core.timers
  t.core = { ...t.core, timers }
  t.effects.push({ kind: 'disarm', key })
}

/** Takes a due timer: false when it was disarmed or re-armed since (its generation is not the armed one). */
export function takeTimer(t: Turn, timer: PodTimer): boolean {
  if (t.core.timers[timer.key] !== timer.gen) return false
  const { [timer.key]: _due, ...timers } = t.core.timers
  t.core = { ...t.core, timers }
  return true
}

export const timerKeys = {
  sandbox: 'sandbox',
  restart: (name: string) => `restart/${name}`,
  pullBackoff: (name: string) => `pull-backoff/${name}`,
  probe: (name: string, kind: string) => `probe/${name}/${kind}`,
} as const
