/**
 * The dry run of preemption on one node and the choice among candidate nodes
 * (plugins/defaultpreemption SelectVictimsOnNode, framework/preemption pickOneNodeForPreemption).
 * PodDisruptionBudgets are not considered: every victim counts as non-violating.
 */
import type { CycleState } from '../../framework/cycle-state.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import type { PodInfo } from '../../framework/pod-info.ts'
import { unresolvable, type Result, type Status } from '../../framework/status.ts'

export const NO_VICTIMS = 'No preemption victims found for incoming pod'

/** A node preemption can make room on, with the pods to delete there (most important first). */
export interface Candidate {
  readonly nodeName: string
  readonly victims: readonly PodInfo[]
}

/** status.startTime in ms; a pod not started yet counts as starting now, i.e. after every started one. */
function startTime(p: PodInfo): number {
  const t = p.pod.status?.startTime
  const ms = t ? Date.parse(t) : NaN
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY
}

/** util.MoreImportantPod: higher priority, then the earlier start. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  return startTime(a) < startTime(b)
}

const byImportance = (a: PodInfo, b: PodInfo): number => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0)

/**
 * SelectVictimsOnNode: takes every lower-priority pod off a copy of the node; if the pod then
 * passes `filter`, puts them back one by one, most important first, keeping each that still
 * leaves room. The ones that could not go back are the victims. Returns the status that rules the
 * node out otherwise.
 */
export function selectVictimsOnNode(state: CycleState, pod: PodInfo, node: NodeInfo, filter: (state: CycleState, pod: PodInfo, node: NodeInfo) => Result): { victims: PodInfo[] } | { status: Status } {
  const potential = node.pods.filter((p) => p.priority < pod.priority)
  if (potential.length === 0) return { status: unresolvable(NO_VICTIMS) }
  const copy = node.clone()
  for (const p of potential) copy.removePod(p.uid)
  const fits = filter(state, pod, copy)
  if (fits !== undefined) return { status: fits }
  potential.sort(byImportance)
  const victims: PodInfo[] = []
  for (const p of potential) {
    copy.addPod(p)
    if (filter(state, pod, copy) !== undefined) {
      copy.removePod(p.uid)
      victims.push(p)
    }
  }
  return { victims }
}

/** int64(priority) + MaxInt32 + 1: every term positive, so fewer victims weigh less at equal priorities. */
const PRIORITY_OFFSET = 2 ** 31

/** The earliest start among the highest-priority victims (util.GetEarliestPodStartTime). */
function earliestStartOfHighest(victims: readonly PodInfo[]): number {
  const top = Math.max(...victims.map((v) => v.priority))
  return Math.min(...victims.filter((v) => v.priority === top).map(startTime))
}

/**
 * pickOneNodeForPreemption: a node without victims if any; else, narrowing the field criterion by
 * criterion: the lowest highest victim priority, the lowest sum of priorities, the fewest
 * victims, the latest start of the highest-priority victims; then the first left.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined
  const free = candidates.find((c) => c.victims.length === 0)
  if (free !== undefined) return free
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -Math.max(...c.victims.map((v) => v.priority)),
    (c) => -c.victims.reduce((sum, v) => sum + v.priority + PRIORITY_OFFSET, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims),
  ]
  let field = candidates
  for (const score of criteria) {
    if (field.length === 1) break
    const scores = field.map(score)
    const best = Math.max(...scores)
    field = field.filter((_, i) => scores[i] === best)
  }
  return field[0]
}
