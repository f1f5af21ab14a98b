/**
 * A worker host's kubelet faults (actors/chaos/kubelet-faults.ts) carried out on its kubelet: the
 * host's fault leases (runtime/chaos/fault-leases.ts) apply and lift them here. `container-kill`
 * kills the pod's running containers on the container runtime (the pod actor hears the exits and
 * restarts them per restartPolicy: a process container gets SIGKILL); `pod-failure` kills them and has the runtime refuse their
 * starts (./start-refusing-runtime.ts) until lifted; `kubelet-stop` holds what the kubelet engine
 * would step for the node (actors/kubelet/stopped-nodes.ts) and releases it when lifted. One per
 * kubelet actor; it outlives the actor's restarts, as its runtime does.
 */
import { containersToKill, type KubeletFault } from '../../actors/chaos/kubelet-faults.ts'
import type { EngineInput } from '../../actors/kubelet/engine-io.ts'
import { admit, startNode, stoppedNodes, stopNode, type Admission } from '../../actors/kubelet/stopped-nodes.ts'
import type { ContainerRuntime } from '../cri/container-runtime.ts'
import { killGroup } from '../cri/process/kill-group.ts'
import { StartRefusingRuntime } from '../cri/start-refusing-runtime.ts'
import type { Logger } from '../log.ts'
import type { KubeletView } from './kubelet-engine.ts'

/** What the host's fault leases need of a kubelet: whether it carries a fault's pod or node, and the fault carried out. */
export interface KubeletFaultTarget {
  carries(fault: KubeletFault): boolean
  apply(fault: KubeletFault): void
  lift(fault: KubeletFault): void
}

export class KubeletFaults implements KubeletFaultTarget {
  readonly #runtime: ContainerRuntime
  readonly #nodes: readonly string[]
  readonly #view: () => KubeletView | undefined
  readonly #log: Logger
  /** Pods under pod-failure (`namespace/name`) and their uids, as they were when it began. */
  readonly #failing = new Map<string, string>()
  readonly #stops = stoppedNodes()
  #release: ((input: EngineInput) => void) | undefined
  /** The runtime the pods run on: it refuses to start the containers of a pod under pod-failure. */
  readonly runtime: ContainerRuntime

  constructor(options: { runtime: ContainerRuntime; nodes: readonly string[]; view: () => KubeletView | undefined; log: Logger }) {
    this.#runtime = options.runtime
    this.#nodes = options.nodes
    this.#view = options.view
    this.#log = options.log
    this.runtime = new StartRefusingRuntime(options.runtime, {
      any: () => this.#failing.size > 0,
      of: (uid) => ([...this.#failing.values()].includes(uid) ? 'chaos pod-failure: the kubelet refuses to start the container until the fault is healed' : undefined),
    })
  }

  /** Whether this kubelet carries every pod or node the fault names. */
  carries(fault: KubeletFault): boolean {
    return fault.action === 'kubelet-stop' ? fault.nodes.every((node) => this.#nodes.includes(node)) : fault.pods.every((pod) => this.#uidOf(pod) !== undefined)
  }

  apply(fault: KubeletFault): void {
    switch (fault.action) {
      case 'container-kill':
        for (const pod of fault.pods) this.#kill(pod, fault.container)
        return
      case 'pod-failure':
        for (const pod of fault.pods) {
          const uid = this.#uidOf(pod)
          if (uid !== undefined) this.#failing.set(pod, uid)
          this.#kill(pod)
        }
        return
      case 'kubelet-stop':
        for (const node of fault.nodes) stopNode(this.#stops, node)
        this.#log.warn({ nodes: fault.nodes }, 'chaos: kubelet stopped')
    }
  }

  /** Ends the fault where it was applied (a no-op elsewhere: every kubelet of the host hears it). */
  lift(fault: KubeletFault): void {
    if (fault.action === 'pod-failure') for (const pod of fault.pods) this.#failing.delete(pod)
    if (fault.action !== 'kubelet-stop') return
    for (const node of fault.nodes) {
      if (!this.#stops.stopped.has(node)) continue
      const held = startNode(this.#stops, node)
      this.#log.warn({ node, held: held.length }, 'chaos: kubelet started again')
      for (const input of held) this.#release?.(input)
    }
  }

  /** The kubelet engine asks before stepping an input (a stopped node's are held). */
  admit(input: EngineInput): Admission {
    return this.#stops.stopped.size === 0 ? 'pass' : admit(this.#stops, input)
  }

  /** The running engine takes released inputs (undefined: it stopped; they wait for the next). */
  attach(release: ((input: EngineInput) => void) | undefined): void {
    this.#release = release
  }

  #uidOf(pod: string): string | undefined {
    const [namespace = '', name = ''] = pod.split('/')
    return this.#view()?.pod(namespace, name)?.metadata.uid
  }

  #kill(pod: string, container?: string): void {
    const uid = this.#uidOf(pod)
    if (uid === undefined) return
    const listed = this.#runtime.listContainers({ podUid: uid })
    for (const id of containersToKill(listed, uid, container)) {
      this.#log.warn({ pod, container: id }, 'chaos: killing a container')
      // kill -9 of its process group from outside, as a crash would end it (exit 137, so that
      // restartPolicy OnFailure restarts it too); a hollow container has no process: stopped at once.
      const pid = listed.find((c) => c.id === id)?.pid
      if (pid !== undefined) killGroup(pid, 'SIGKILL')
      else this.#runtime.stopContainer(id, 0).catch((error: unknown) => this.#log.warn({ pod, container: id, err: String(error) }, 'chaos: container kill failed'))
    }
  }
}
