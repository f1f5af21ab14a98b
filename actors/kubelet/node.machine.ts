/**
 * One node's kubelet: registers the node, heartbeats its Lease, and runs one pod actor
 * (actors/pod/pod.machine.ts) per pod bound to it. It hands the pods' reports on to the engine
 * (status writes, events, the final delete) and forwards the API's newer versions of each pod.
 *
 * A pod that finished terminating is remembered (by uid) until the API says it is gone, so that
 * a late watch event about it does not start it again.
 */
import { enqueueActions, setup, type ActorRefFrom, type AnyActorRef } from 'xstate'
import type { Pod, ResourceList } from '../kube/objects.ts'
import type { PodCommand, PodReport } from '../pod/pod-protocol.ts'
import { podMachine } from '../pod/pod.machine.ts'
import { KUBELET_ENGINE, type EngineCommand, type NodeRegistered, type PodGone, type PodSeen } from './kubelet-protocol.ts'

export interface NodeActorInput {
  readonly nodeName: string
  readonly hostIP: string
  /** The node's allocatable, for its pods' resourceFieldRefs. */
  readonly allocatable?: ResourceList
  readonly leaseRenewIntervalMs: number
  readonly backoff: { readonly initialMs: number; readonly maxMs: number; readonly resetAfterMs: number }
  readonly now: () => number
}

interface PodEntry {
  readonly ref: AnyActorRef
  readonly namespace: string
  readonly name: string
  /** The API no longer has it: nothing to delete at the end. */
  readonly gone: boolean
}

interface NodeContext {
  readonly input: NodeActorInput
  readonly pods: Readonly<Record<string, PodEntry>>
  /** Uids of pods that terminated here and are not yet gone from the API. */
  readonly finished: Readonly<Record<string, true>>
}

const REGISTER_RETRY_MS = 2000

type NodeEvent = PodSeen | PodGone | NodeRegistered | PodReport

/** A pod that has run to the end needs no actor unless it is being deleted (then only the delete). */
const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'


export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeActorInput,
  },
  // The host provides it again with its container runtime child (runtime/kubelet/kubelet-services.ts).
  actors: { pod: podMachine },
  delays: { renew: ({ context }) => context.input.leaseRenewIntervalMs },
  actions: {
    toEngine: enqueueActions(({ enqueue, system }, command: EngineCommand) => {
      enqueue.sendTo(engineOf(system), command)
    }),
  },
}).createMachine({
  id: 'node',
  context: ({ input }) => ({ input, pods: {}, finished: {} }),
  initial: 'registering',
  states: {
    registering: {
      // Asked again until answered: the engine may not run yet when the node actor starts, and a
      // restarted engine has forgotten the question.
      entry: { type: 'toEngine', params: ({ context }) => ({ type: 'kubelet.register', nodeName: context.input.nodeName }) },
      after: { [REGISTER_RETRY_MS]: { target: 'registering', reenter: true } },
      on: { 'kubelet.registered': 'heartbeating' },
    },
    heartbeating: {
      entry: { type: 'toEngine', params: ({ context }) => ({ type: 'kubelet.renewLease', nodeName: context.input.nodeName }) },
      after: { renew: { target: 'heartbeating', reenter: true } },
    },
  },
  on: {
    'kubelet.podSeen': {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const pod = event.pod
        const uid = pod.metadata.uid ?? ''
        if (uid === '' || context.finished[uid]) return
        const known = context.pods[uid]
        if (known) {
          enqueue.sendTo(known.ref, { type: 'pod.updated', pod } satisfies PodCommand)
          return
        }
        const ref = { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid }
        if (isTerminal(pod)) {
          // Ran to the end before this kubelet (re)started: nothing runs; a deleted one is removed.
          if (pod.metadata.deletionTimestamp) {
            enqueue.sendTo(engineOf(system), { type: 'kubelet.removePod', nodeName: context.input.nodeName, pod: ref } satisfies EngineCommand)
            enqueue.assign({ finished: { ...context.finished, [uid]: true } })
          }
          return
        }
        enqueue.assign({
          pods: ({ spawn }) => ({
            ...context.pods,
            [uid]: {
              ...ref,
              gone: false,
              ref: spawn('pod', { id: uid, input: { pod, nodeName: context.input.nodeName, hostIP: context.input.hostIP, allocatable: context.input.allocatable, backoff: context.input.backoff, now: context.input.now } }),
            },
          }),
        })
      }),
    },
    'kubelet.podGone': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const entry = context.pods[event.uid]
        if (entry) {
          // Deleted for good by someone else (grace 0): stop its containers at once.
          enqueue.sendTo(entry.ref, { type: 'pod.stop', graceSeconds: 0 } satisfies PodCommand)
          enqueue.assign({ pods: { ...context.pods, [event.uid]: { ...entry, gone: true } } })
        }
        if (context.finished[event.uid]) {
          const { [event.uid]: _forgotten, ...finished } = context.finished
          enqueue.assign({ finished })
        }
      }),
    },
    'pod.status': {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const entry = context.pods[event.uid]
        if (!entry || entry.gone) return
        const command: EngineCommand = { type: 'kubelet.writeStatus', nodeName: context.input.nodeName, pod: podRef(entry, event.uid), status: event.status }
        enqueue.sendTo(engineOf(system), command)
      }),
    },
    'pod.event': {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const entry = context.pods[event.uid]
        if (!entry) return
        const command: EngineCommand = { type: 'kubelet.recordEvent', nodeName: context.input.nodeName, pod: podRef(entry, event.uid), eventType: event.eventType, reason: event.reason, message: event.message }
        enqueue.sendTo(engineOf(system), command)
      }),
    },
    'pod.terminated': {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const entry = context.pods[event.uid]
        if (!entry) return
        enqueue.stopChild(entry.ref)
        const { [event.uid]: _done, ...pods } = context.pods
        enqueue.assign({ pods, finished: entry.gone ? context.finished : { ...context.finished, [event.uid]: true } })
        if (!entry.gone) enqueue.sendTo(engineOf(system), { type: 'kubelet.removePod', nodeName: context.input.nodeName, pod: podRef(entry, event.uid) } satisfies EngineCommand)
      }),
    },
  },
})

/** The engine is invoked by the kubelet actor with systemId KUBELET_ENGINE. */
const engineOf = (system: { get(id: string): AnyActorRef | undefined }) => () => system.get(KUBELET_ENGINE) as AnyActorRef

const podRef = (entry: PodEntry, uid: string) => ({ namespace: entry.namespace, name: entry.name, uid })

export type NodeActorRef = ActorRefFrom<typeof nodeMachine>
