/**
 * Invariant 5: no pod is bound twice or to a node that cannot hold it. From the pod and node
 * watches, replayed together in resourceVersion (store revision) order, so every binding is judged
 * against the cluster exactly as it stood when the binding committed: a pod's nodeName, once set,
 * never changes; at binding the node existed, was schedulable (not cordoned, or the pod tolerates
 * it) and the requests of the pods bound there (finished ones excepted, as the scheduler counts
 * them) plus this one fit its allocatable cpu, memory and pod count. A binding that raced a cordon
 * or an allocatable change in flight would be reported too: the check is as strict as the
 * scheduler's single-writer guarantee. Pure: the two records in, one result out.
 */
import type { Node, Pod } from '../../../actors/kube/objects.ts'
import { nodeAllocatable } from '../../../actors/scheduler/framework/node-info.ts'
import { podRequests } from '../../../actors/scheduler/framework/pod-info.ts'
import { UNSCHEDULABLE_TAINT } from '../../../actors/scheduler/plugins/node-unschedulable/node-unschedulable.ts'
import { tolerationsTolerateTaint } from '../../../actors/scheduler/plugins/taint-toleration/taint-toleration.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { objectKey, revisionOf, type CollectionRecord, type ObservedEvent } from './api-watch-recorder.ts'
import { resultOf, type InvariantResult } from './types.ts'

export const POD_BINDINGS = 'pod-bindings'

interface Violation {
  readonly at?: number
  readonly message: string
}

type Change = { readonly kind: 'pod' | 'node'; readonly revision: number; readonly event: ObservedEvent }

/** What the pods bound to a node request, finished pods excepted. */
interface Usage {
  milliCpu: number
  memory: number
  pods: number
}

const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
const nodeNameOf = (pod: Pod | undefined): string | undefined => (pod?.spec?.nodeName ? pod.spec.nodeName : undefined)

export function checkPodBindings(pods: CollectionRecord, nodes: CollectionRecord): InvariantResult {
  const state = new BindingState(pods.listed, nodes.listed)
  const judgedFrom = Math.max(pods.listRevision, nodes.listRevision)
  const changes: Change[] = [
    ...pods.events.map((event) => ({ kind: 'pod' as const, revision: revisionOf(event.object), event })),
    ...nodes.events.map((event) => ({ kind: 'node' as const, revision: revisionOf(event.object), event })),
  ].sort((a, b) => a.revision - b.revision)
  const violations: Violation[] = []
  for (const change of changes) {
    if (change.kind === 'node') state.applyNode(change.event)
    else violations.push(...state.applyPod(change.event, change.revision > judgedFrom))
  }
  return resultOf(POD_BINDINGS, violations, `${state.bindings} bindings, each once and onto a node that could hold the pod`)
}

class BindingState {
  readonly #pods = new Map<string, Pod>()
  readonly #nodes = new Map<string, Node>()
  readonly #usage = new Map<string, Usage>()
  bindings = 0

  constructor(pods: ReadonlyMap<string, KubeObject>, nodes: ReadonlyMap<string, KubeObject>) {
    for (const node of nodes.values()) this.#nodes.set(node.metadata?.name ?? '', node as unknown as Node)
    for (const [key, pod] of pods) this.#setPod(key, pod as unknown as Pod)
  }

  applyNode(event: ObservedEvent): void {
    const name = event.object.metadata?.name ?? ''
    if (event.type === 'DELETED') this.#nodes.delete(name)
    else this.#nodes.set(name, event.object as unknown as Node)
  }

  /** Applies one pod change; `judged`: the state before it is fully known, so a binding is checked. */
  applyPod(event: ObservedEvent, judged: boolean): Violation[] {
    const key = objectKey(event.object)
    const pod = event.object as unknown as Pod
    const old = this.#pods.get(key)
    const sameObject = old !== undefined && old.metadata.uid === pod.metadata.uid
    const violations: Violation[] = []
    const before = sameObject ? nodeNameOf(old) : undefined
    const after = nodeNameOf(pod)
    if (before !== undefined && after !== before) {
      violations.push({ at: event.at, message: `pod ${key} moved from node ${before} to ${after ?? 'no node'} at resourceVersion ${revisionOf(event.object)}` })
    } else if (sameObject && before === undefined && after !== undefined && event.type !== 'DELETED') {
      this.bindings++
      if (judged) violations.push(...this.#placement(key, pod, after, event))
    }
    if (event.type === 'DELETED') this.#setPod(key, undefined)
    else this.#setPod(key, pod)
    return violations
  }

  #placement(key: string, pod: Pod, nodeName: string, event: ObservedEvent): Violation[] {
    const where = `pod ${key} bound to ${nodeName} at resourceVersion ${revisionOf(event.object)}`
    const node = this.#nodes.get(nodeName)
    if (node === undefined) return [{ at: event.at, message: `${where}: no such node` }]
    const violations: Violation[] = []
    if (node.spec?.unschedulable === true && !tolerationsTolerateTaint(pod.spec.tolerations, UNSCHEDULABLE_TAINT)) violations.push({ at: event.at, message: `${where}: the node is cordoned` })
    const used = this.#usage.get(nodeName) ?? { milliCpu: 0, memory: 0, pods: 0 }
    const wants = podRequests(pod)
    const has = nodeAllocatable(node)
    const over: string[] = []
    if (used.pods + 1 > has.pods) over.push(`pods ${used.pods + 1} > ${has.pods}`)
    if (used.milliCpu + wants.milliCpu > has.milliCpu) over.push(`cpu ${used.milliCpu + wants.milliCpu}m > ${has.milliCpu}m`)
    if (used.memory + wants.memory > has.memory) over.push(`memory ${used.memory + wants.memory} > ${has.memory}`)
    if (over.length > 0) violations.push({ at: event.at, message: `${where}: over allocatable (${over.join(', ')})` })
    return violations
  }

  /** Replaces a pod (undefined: removes it), keeping the per-node usage in step. */
  #setPod(key: string, pod: Pod | undefined): void {
    this.#count(this.#pods.get(key), -1)
    if (pod === undefined) this.#pods.delete(key)
    else this.#pods.set(key, pod)
    this.#count(pod, 1)
  }

  #count(pod: Pod | undefined, sign: 1 | -1): void {
    const nodeName = nodeNameOf(pod)
    if (pod === undefined || nodeName === undefined || isFinished(pod)) return
    const usage = this.#usage.get(nodeName) ?? { milliCpu: 0, memory: 0, pods: 0 }
    const wants = podRequests(pod)
    usage.milliCpu += sign * wants.milliCpu
    usage.memory += sign * wants.memory
    usage.pods += sign
    this.#usage.set(nodeName, usage)
  }
}
