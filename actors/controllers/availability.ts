/**
 * When a Ready pod becomes available (minReadySeconds after it turned Ready): a controller whose
 * status counts available pods asks to run again then, since no watch event marks that moment.
 */
import type { Pod } from '../kube/objects.ts'
import { isPodAvailable, isPodReady, timeOf } from './_util.ts'

/** Ms until the first of `pods` that is Ready but not yet available becomes available; undefined when none will. */
export function untilAvailable(pods: Iterable<Pod>, minReadySeconds: number, now: number): number | undefined {
  if (minReadySeconds <= 0) return undefined
  let soonest: number | undefined
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) continue
    const since = timeOf(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) ?? now
    const wait = since + minReadySeconds * 1000 - now + 1
    if (soonest === undefined || wait < soonest) soonest = wait
  }
  return soonest
}
