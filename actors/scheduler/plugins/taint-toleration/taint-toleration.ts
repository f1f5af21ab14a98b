/**
 * TaintToleration (plugins/tainttoleration): NoSchedule and NoExecute taints the pod does not
 * tolerate keep it off the node; untolerated PreferNoSchedule taints lower the node's score.
 */
import type { Taint, TaintEffect, Toleration } from '../../../kube/objects.ts'
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import { skip, unresolvable, type Result } from '../../framework/status.ts'
import { defaultNormalizeScore } from '../../framework/normalize.ts'

export const NAME = 'TaintToleration'

/** Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== ('' as TaintEffect) && t.effect !== taint.effect) return false
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false
  switch (t.operator ?? 'Equal') {
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '')
    case 'Exists':
      return true
    default:
      return false
  }
}

/** v1helper.TolerationsTolerateTaint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (tolerations === undefined) return false
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true
  return false
}

const doNotSchedule = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute'

/** v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc: the first NoSchedule/NoExecute taint not tolerated. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): Taint | undefined {
  for (const taint of taints) {
    if (doNotSchedule(taint) && !tolerationsTolerateTaint(tolerations, taint)) return taint
  }
  return undefined
}

/** The filter's reason for an untolerated taint. */
export const untoleratedReason = (taint: Taint): string => `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`

/** How many PreferNoSchedule taints the tolerations (already narrowed to PreferNoSchedule or any effect) leave untolerated. */
export function countIntolerablePreferNoSchedule(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  let n = 0
  for (const taint of taints) {
    if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) n++
  }
  return n
}

export function newTaintToleration(): FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    filter(_state, pod, node): Result {
      if (node.taints.length === 0) return undefined
      const taint = findUntoleratedTaint(node.taints, pod.pod.spec.tolerations)
      return taint === undefined ? undefined : unresolvable(untoleratedReason(taint))
    },
    preScore(state, pod, nodes): Result {
      if (nodes.every((n) => n.taints.length === 0)) return skip()
      const tolerations = (pod.pod.spec.tolerations ?? []).filter((t) => t.effect === undefined || (t.effect as string) === '' || t.effect === 'PreferNoSchedule')
      state.write(NAME, tolerations)
      return undefined
    },
    score(state, _pod: PodInfo, node): number {
      if (node.taints.length === 0) return 0
      return countIntolerablePreferNoSchedule(node.taints, state.read<Toleration[]>(NAME) ?? [])
    },
    normalizeScore(_state, _pod, scores): void {
      defaultNormalizeScore(scores, true)
    },
  }
}
