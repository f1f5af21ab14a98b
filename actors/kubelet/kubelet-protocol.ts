/**
 * Events between a kubelet actor (actors/kubelet/kubelet.machine.ts), its node actors
 * (node.machine.ts, one per node it carries) and its `engine` child (runtime/kubelet/), which
 * does the API I/O for all of them: registration, leases, one pod watch, status writes.
 */
import type { Pod, PodStatus } from '../kube/objects.ts'

/** The engine's id (and systemId, so node actors can reach it directly). */
export const KUBELET_ENGINE = 'engine'

// ---- engine -> kubelet actor -> node actor ----

/** A pod bound to `nodeName`, as the API has it now. */
export interface PodSeen {
  readonly type: 'kubelet.podSeen'
  readonly nodeName: string
  readonly pod: Pod
}

/** The pod is gone from the API (deleted for good). */
export interface PodGone {
  readonly type: 'kubelet.podGone'
  readonly nodeName: string
  readonly uid: string
}

/** The node's Node object exists (created or found). */
export interface NodeRegistered {
  readonly type: 'kubelet.registered'
  readonly nodeName: string
}

export type EngineReport = PodSeen | PodGone | NodeRegistered

// ---- node actor -> engine ----

export interface RegisterNode {
  readonly type: 'kubelet.register'
  readonly nodeName: string
}

export interface RenewLease {
  readonly type: 'kubelet.renewLease'
  readonly nodeName: string
}

export interface PodRef {
  readonly namespace: string
  readonly name: string
  readonly uid: string
}

/** Write this (latest) status to pods/<name>/status; a newer one replaces it if it has not gone out yet. */
export interface WritePodStatus {
  readonly type: 'kubelet.writeStatus'
  readonly nodeName: string
  readonly pod: PodRef
  readonly status: PodStatus
}

/** Every container of the pod has stopped: delete it for good (grace 0, uid precondition). */
export interface RemovePod {
  readonly type: 'kubelet.removePod'
  readonly nodeName: string
  readonly pod: PodRef
}

export interface RecordPodEvent {
  readonly type: 'kubelet.recordEvent'
  readonly nodeName: string
  readonly pod: PodRef
  readonly eventType: 'Normal' | 'Warning'
  readonly reason: string
  readonly message: string
}

export type EngineCommand = RegisterNode | RenewLease | WritePodStatus | RemovePod | RecordPodEvent
