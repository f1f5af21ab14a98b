/**
 * DefaultPreemption (plugins/defaultpreemption + framework/preemption's Evaluator): when a pod
 * fits no node, find nodes where deleting pods of lower priority would make it fit, pick one as
 * kube-scheduler does, and name it with its victims. The scheduler nominates the pod to that node
 * and the runtime deletes the victims; the pod is retried when they are gone.
 */
import type { PodInfo } from '../../framework/pod-info.ts'
import type { PostFilterHandle, PostFilterPlugin, PostFilterResult } from '../../framework/interfaces.ts'
import { Status, unresolvable, type Result } from '../../framework/status.ts'
import { FitError } from '../../schedule-one.ts'
import { pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from './select-victims.ts'

export const NAME = 'DefaultPreemption'
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling'

export interface DefaultPreemptionArgs {
  /** The share of nodes to dry-run preemption on (Kubernetes: 10). */
  readonly minCandidateNodesPercentage?: number
  /** At least this many nodes are dry-run (Kubernetes: 100). */
  readonly minCandidateNodesAbsolute?: number
}

/** calculateNumCandidates: the percentage of the nodes, at least the absolute number, at most all. */
export function numCandidates(numNodes: number, percentage = 10, absolute = 100): number {
  const n = Math.trunc((numNodes * percentage) / 100)
  return Math.min(numNodes, Math.max(n, absolute))
}

/** PodEligibleToPreemptOthers: undefined if eligible, else why not. */
export function ineligibleReason(pod: PodInfo, statuses: ReadonlyMap<string, Status>, handle: PostFilterHandle): string | undefined {
  if (pod.pod.spec.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.'
  const nominated = handle.nominator?.nodeOf(pod.uid) ?? pod.pod.status?.nominatedNodeName
  if (!nominated) return undefined
  // Its nominated node no longer fits it at all: preempting elsewhere is worth a try.
  if (statuses.get(nominated)?.code === 'UnschedulableAndUnresolvable') return undefined
  const node = handle.snapshot.get(nominated)
  // Victims it already chose are still going: wait for them rather than choose more.
  if (node?.pods.some((p) => p.priority < pod.priority && p.terminating)) return 'not eligible due to a terminating pod on the nominated node.'
  return undefined
}

const notHelpful = unresolvable(NOT_HELPFUL)

/** The outcome for a pod preemption cannot help: "preemption: <message>", and a nomination to clear. */
function fail(message: string, hadNomination: boolean): { result?: PostFilterResult; status: Result } {
  const status = new Status('Unschedulable', [`preemption: ${message}`])
  return hadNomination ? { result: { nominatedNodeName: '' }, status } : { status }
}

export function newDefaultPreemption(args: DefaultPreemptionArgs = {}): PostFilterPlugin {
  const percentage = args.minCandidateNodesPercentage ?? 10
  const absolute = args.minCandidateNodesAbsolute ?? 100
  if (!(Number.isInteger(percentage) && percentage >= 0 && percentage <= 100)) throw new RangeError(`DefaultPreemption: minCandidateNodesPercentage ${percentage} is not an integer in [0, 100]`)
  if (!(Number.isInteger(absolute) && absolute >= 0)) throw new RangeError(`DefaultPreemption: minCandidateNodesAbsolute ${absolute} is not a whole number`)
  if (percentage === 0 && absolute === 0) throw new RangeError('DefaultPreemption: minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be 0')
  return {
    name: NAME,
    postFilter(state, pod, statuses, handle) {
      const hadNomination = Boolean(handle.nominator?.nodeOf(pod.uid) ?? pod.pod.status?.nominatedNodeName)
      const why = ineligibleReason(pod, statuses, handle)
      if (why !== undefined) return { status: new Status('Unschedulable', [`preemption: ${why}`]) }

      // findCandidates: nodes a filter rejected for good are left out; the rest are dry-run from a random offset.
      const all = handle.snapshot.nodeInfoList
      const outcome = new Map<string, Status>()
      const potential = all.filter((n) => {
        if (statuses.get(n.name)?.code !== 'UnschedulableAndUnresolvable') return true
        outcome.set(n.name, notHelpful)
        return false
      })
      const wanted = numCandidates(potential.length, percentage, absolute)
      const offset = potential.length === 0 ? 0 : Math.floor(handle.random() * potential.length)
      const candidates: Candidate[] = []
      for (let i = 0; i < potential.length && candidates.length < wanted; i++) {
        const node = potential[(offset + i) % potential.length]!
        const r = selectVictimsOnNode(state, pod, node, handle.runFilters)
        if ('status' in r) outcome.set(node.name, r.status)
        else candidates.push({ nodeName: node.name, victims: r.victims })
      }
      const best = pickOneNodeForPreemption(candidates)
      if (best === undefined) {
        const error = new FitError(pod, all.length, { nodeToStatus: outcome, unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' })
        return fail(error.message, hadNomination)
      }
      const lowerNominatedPods = (handle.nominator?.podsOn(best.nodeName) ?? []).filter((p) => p.uid !== pod.uid && p.priority < pod.priority)
      return { result: { nominatedNodeName: best.nodeName, victims: best.victims, lowerNominatedPods }, status: undefined }
    },
  }
}
