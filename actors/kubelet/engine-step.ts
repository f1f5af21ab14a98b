/**
 * The kubelet engine's decisions as one pure step, for every node a kubelet actor carries:
 * `stepEngine(state, input, now)` -> effects (./engine-io.ts). The pod informer's changes go to
 * the node the pod is bound to (if it is ours); the node informer's to registration (deleted:
 * register again; not Ready: Ready again); node actors' commands to registration, lease renewal
 * and status writes; API outcomes and timers back to whoever asked. Pure apart from mutating the
 * state it is given: no clock (time comes in as `now`), no I/O, no randomness.
 */
import type { EngineEffect, EngineInput, InformerName } from './engine-io.ts'
import { leaseRead, leaseWritten, nodeLeases, renewLease, type NodeLeases } from './node-leases.ts'
import { nodeChanged, nodeCreated, nodeRead, nodeRegistrations, readyPatched, readyRetry, register, registerRetry, type NodeRegistrations } from './node-registrations.ts'
import { forgetStatus, observeStatus, retryStatus, statusWrites, statusWritten, writeStatus, type StatusWrites } from './status-writes.ts'

/** An informer that could not start (the apiservers may still be starting: 503) is started again after this. */
export const INFORMER_RETRY_MS = 1000
/** A terminated pod whose delete failed is deleted again after this. */
export const POD_DELETE_RETRY_MS = 1000

export interface EngineState {
  readonly nodes: ReadonlySet<string>
  readonly registrations: NodeRegistrations
  readonly leases: NodeLeases
  readonly statuses: StatusWrites
}

export function engineState(nodeNames: readonly string[], statusConcurrency?: number): EngineState {
  return { nodes: new Set(nodeNames), registrations: nodeRegistrations(), leases: nodeLeases(), statuses: statusWrites(statusConcurrency) }
}

/** What the engine does first: start both informers. */
export function startEngine(): EngineEffect[] {
  return [
    { type: 'startInformer', informer: 'pods' },
    { type: 'startInformer', informer: 'nodes' },
  ]
}

/** The selectors of the informers: one node watches only its own pods and Node; a pool watches every bound pod (one watch, not thousands) and every Node. */
export function informerSelector(informer: InformerName, nodeNames: readonly string[]): { readonly fieldSelector?: string } {
  const single = nodeNames.length === 1 ? nodeNames[0] : undefined
  if (informer === 'pods') return { fieldSelector: single === undefined ? 'spec.nodeName!=' : `spec.nodeName=${single}` }
  return single === undefined ? {} : { fieldSelector: `metadata.name=${single}` }
}

export function stepEngine(s: EngineState, input: EngineInput, now: number): EngineEffect[] {
  switch (input.type) {
    case 'podChanged': {
      const nodeName = input.pod.spec.nodeName
      if (!nodeName || !s.nodes.has(nodeName)) return []
      const uid = input.pod.metadata.uid ?? ''
      if (input.change === 'DELETED') {
        forgetStatus(s.statuses, uid)
        return [{ type: 'report', report: { type: 'kubelet.podGone', nodeName, uid } }]
      }
      return [{ type: 'report', report: { type: 'kubelet.podSeen', nodeName, pod: input.pod } }, ...observeStatus(s.statuses, uid, input.pod.status, input.pod.metadata.resourceVersion)]
    }
    case 'nodeChanged':
      if (!s.nodes.has(input.node.metadata.name ?? '')) return []
      return nodeChanged(s.registrations, input.change, input.node, now)
    case 'informerFailed':
      return [{ type: 'after', ms: INFORMER_RETRY_MS, input: { type: 'informerRetry', informer: input.informer } }]
    case 'informerRetry':
      return [{ type: 'startInformer', informer: input.informer }]
    case 'kubelet.register':
      return register(s.registrations, input.nodeName)
    case 'nodeCreated':
      return nodeCreated(s.registrations, input.nodeName, input.outcome)
    case 'nodeRead':
      return nodeRead(s.registrations, input.nodeName, input.node, now)
    case 'readyPatched':
      return readyPatched(s.registrations, input.nodeName, input.ok)
    case 'readyRetry':
      return readyRetry(s.registrations, input.nodeName, now)
    case 'registerRetry':
      return registerRetry(s.registrations, input.nodeName)
    case 'kubelet.renewLease':
      return renewLease(s.leases, input.nodeName)
    case 'leaseWritten':
      return leaseWritten(s.leases, input.nodeName, input.outcome, input.resourceVersion)
    case 'leaseRead':
      return leaseRead(s.leases, input.nodeName, input.resourceVersion)
    case 'kubelet.writeStatus':
      return writeStatus(s.statuses, input.pod, input.status)
    case 'statusWritten':
      return statusWritten(s.statuses, input.write, input.uid, input.outcome, input.resourceVersion)
    case 'statusRetry':
      return retryStatus(s.statuses, input.uid)
    case 'kubelet.removePod':
      forgetStatus(s.statuses, input.pod.uid)
      return [{ type: 'deletePod', pod: input.pod }]
    case 'podDeleteFailed':
      return [{ type: 'after', ms: POD_DELETE_RETRY_MS, input: { type: 'podDeleteRetry', pod: input.pod } }]
    case 'podDeleteRetry':
      return [{ type: 'deletePod', pod: input.pod }]
    case 'kubelet.recordEvent':
      return [{ type: 'recordEvent', event: input }]
  }
}
