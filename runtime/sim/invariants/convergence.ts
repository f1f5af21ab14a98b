/**
 * Invariant 6: once the faults stop, every Deployment becomes ready (readyReplicas equal to
 * spec.replicas, with a status written for its current generation) within the allowed virtual
 * time. `unready` judges one listing; `awaitConvergence` polls the API on the clock; the check
 * turns the outcome into a result.
 */
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import type { ApiClient } from '../../apiserver/api-client.ts'
import type { Clock } from '../../clock.ts'
import { objectKey } from './api-watch-recorder.ts'
import { pause, type InvariantResult } from './types.ts'

export const CONVERGENCE = 'convergence'
export const DEPLOYMENTS = '/apis/apps/v1/deployments'
const POLL_MS = 500

interface DeploymentView {
  readonly metadata?: { readonly generation?: number }
  readonly spec?: { readonly replicas?: number }
  readonly status?: { readonly readyReplicas?: number; readonly observedGeneration?: number }
}

/** The Deployments not (yet) ready, each with why. */
export function unready(deployments: readonly KubeObject[]): string[] {
  return deployments.flatMap((object) => {
    const d = object as DeploymentView
    const wanted = d.spec?.replicas ?? 1
    const ready = d.status?.readyReplicas ?? 0
    const generation = d.metadata?.generation ?? 0
    const observed = d.status?.observedGeneration ?? 0
    if (ready === wanted && observed >= generation) return []
    return [`${objectKey(object)} ${ready}/${wanted} ready${observed < generation ? `, status of generation ${observed} < ${generation}` : ''}`]
  })
}

export interface ConvergenceOutcome {
  readonly startedAt: number
  readonly withinMs: number
  /** Virtual ms every Deployment was first seen ready; absent if never within the time. */
  readonly convergedAt?: number
  readonly deployments: number
  /** What the last listing found not ready (or why it failed). */
  readonly lastUnready: readonly string[]
}

/** Polls until every Deployment is ready or `withinMs` after `startedAt` (the faults' end) has passed. */
export async function awaitConvergence(api: ApiClient, clock: Clock, startedAt: number, withinMs: number): Promise<ConvergenceOutcome> {
  let lastUnready: string[] = ['no listing answered']
  let deployments = 0
  for (;;) {
    try {
      const list = await api.list(DEPLOYMENTS)
      deployments = list.items.length
      lastUnready = unready(list.items)
      if (lastUnready.length === 0) return { startedAt, withinMs, convergedAt: clock.now(), deployments, lastUnready }
    } catch (error) {
      lastUnready = [`listing deployments failed: ${error instanceof Error ? error.message : String(error)}`]
    }
    if (clock.now() - startedAt >= withinMs) return { startedAt, withinMs, deployments, lastUnready }
    await pause(clock, Math.max(1, Math.min(POLL_MS, startedAt + withinMs - clock.now())))
  }
}

export function checkConvergence(outcome: ConvergenceOutcome): InvariantResult {
  if (outcome.convergedAt !== undefined && outcome.convergedAt - outcome.startedAt <= outcome.withinMs) {
    return { name: CONVERGENCE, held: true, detail: `${outcome.deployments} deployments ready ${outcome.convergedAt - outcome.startedAt} ms after the faults` }
  }
  const shown = outcome.lastUnready.slice(0, 10).join('; ') + (outcome.lastUnready.length > 10 ? `; ... ${outcome.lastUnready.length - 10} more` : '')
  return { name: CONVERGENCE, held: false, at: outcome.startedAt + outcome.withinMs, detail: `not ready within ${outcome.withinMs} ms: ${shown}` }
}
