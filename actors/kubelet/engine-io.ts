/**
 * What goes into the kubelet engine's pure step (./engine-step.ts) and what comes out. Inputs are
 * the node actors' commands, the informers' changes, the outcomes of API calls the step asked for
 * and its own timers firing; effects are the API calls to make, the reports to the kubelet actor
 * and the timers to set. The runtime adapter (runtime/kubelet/kubelet-engine.ts) performs the
 * effects and feeds every outcome back as an input.
 */
import type { Node, Pod, PodStatus } from '../kube/objects.ts'
import type { EngineCommand, EngineReport, PodRef, RecordPodEvent } from './kubelet-protocol.ts'

export type InformerName = 'pods' | 'nodes'
export type Change = 'ADDED' | 'MODIFIED' | 'DELETED'

// ---- inputs: informers ----

export interface PodChanged {
  readonly type: 'podChanged'
  readonly change: Change
  readonly pod: Pod
}

export interface NodeChanged {
  readonly type: 'nodeChanged'
  readonly change: Change
  readonly node: Node
}

export interface InformerFailed {
  readonly type: 'informerFailed'
  readonly informer: InformerName
}

// ---- inputs: outcomes of the API calls the step asked for ----

/** A status patch came back: written, the pod is gone (404), or it failed (retried). */
export interface StatusWritten {
  readonly type: 'statusWritten'
  /** The `write` of the patchStatus effect. */
  readonly write: number
  readonly uid: string
  readonly outcome: 'written' | 'gone' | 'failed'
  /** Written: the pod's resourceVersion the write produced (API events above it came after it). */
  readonly resourceVersion?: string
}

/** The Node create came back; `conflict`: a Node of this name exists (409). */
export interface NodeCreated {
  readonly type: 'nodeCreated'
  readonly nodeName: string
  readonly outcome: 'created' | 'conflict' | 'failed'
}

/** The existing Node after a 409, or undefined if it could not be read. */
export interface NodeRead {
  readonly type: 'nodeRead'
  readonly nodeName: string
  readonly node: Node | undefined
}

/** A Ready-again patch came back, written (`ok`) or not: either way it is no longer out. */
export interface ReadyPatched {
  readonly type: 'readyPatched'
  readonly nodeName: string
  readonly ok: boolean
}

/** A lease write came back: its new resourceVersion, stale (409/404: read it again) or failed. */
export interface LeaseWritten {
  readonly type: 'leaseWritten'
  readonly nodeName: string
  readonly outcome: 'written' | 'stale' | 'failed'
  readonly resourceVersion?: string | undefined
}

/** The lease as the API has it after a stale write (undefined: none, or unreadable). */
export interface LeaseRead {
  readonly type: 'leaseRead'
  readonly nodeName: string
  readonly resourceVersion: string | undefined
}

/** Deleting a terminated pod failed for a reason other than it being gone or replaced. */
export interface PodDeleteFailed {
  readonly type: 'podDeleteFailed'
  readonly pod: PodRef
}

// ---- inputs: the step's own timers ----

export type TimerInput =
  | { readonly type: 'informerRetry'; readonly informer: InformerName }
  | { readonly type: 'statusRetry'; readonly uid: string }
  | { readonly type: 'registerRetry'; readonly nodeName: string }
  | { readonly type: 'readyRetry'; readonly nodeName: string }
  | { readonly type: 'podDeleteRetry'; readonly pod: PodRef }

export type EngineInput =
  | EngineCommand
  | PodChanged
  | NodeChanged
  | InformerFailed
  | StatusWritten
  | NodeCreated
  | NodeRead
  | ReadyPatched
  | LeaseWritten
  | LeaseRead
  | PodDeleteFailed
  | TimerInput

// ---- effects ----

export type EngineEffect =
  | { readonly type: 'report'; readonly report: EngineReport }
  /** Feed `input` back to the step after `ms`. */
  | { readonly type: 'after'; readonly ms: number; readonly input: TimerInput }
  | { readonly type: 'startInformer'; readonly informer: InformerName }
  /** Merge-patch pods/<name>/status with `status`; answer with StatusWritten carrying `write`. */
  | { readonly type: 'patchStatus'; readonly write: number; readonly pod: PodRef; readonly status: PodStatus }
  /** Create the node's Node object (its registration body); answer with NodeCreated. */
  | { readonly type: 'createNode'; readonly nodeName: string }
  /** Read the node's Node object; answer with NodeRead. */
  | { readonly type: 'readNode'; readonly nodeName: string }
  /** Merge-patch the node's status with `patch` (Ready again); answer with ReadyPatched. */
  | { readonly type: 'patchReady'; readonly nodeName: string; readonly patch: object }
  /** Create (no resourceVersion) or update the node's Lease; answer with LeaseWritten. */
  | { readonly type: 'writeLease'; readonly nodeName: string; readonly resourceVersion: string | undefined }
  /** Read the node's Lease; answer with LeaseRead. */
  | { readonly type: 'readLease'; readonly nodeName: string }
  /** Delete the pod for good (grace 0, uid precondition); answer with PodDeleteFailed only on a failure worth retrying. */
  | { readonly type: 'deletePod'; readonly pod: PodRef }
  | { readonly type: 'recordEvent'; readonly event: RecordPodEvent }
