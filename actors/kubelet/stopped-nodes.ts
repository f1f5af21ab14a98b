/**
 * Nodes whose kubelet a chaos `kubelet-stop` has stopped, as pure state in front of the kubelet
 * engine's step: what concerns a stopped node (its node actors' commands, the informers' changes
 * to its pods and its Node) is held, and given back in order when it starts again; its pod Events
 * are dropped (a stopped kubelet records none, and they would only pile up), and of its
 * heartbeats one is held. Everything else (the
 * outcomes of calls already out, timers, other nodes) goes through. So a stopped node sends no
 * heartbeat, no status and does not see the API, while its containers keep running, and the node
 * lifecycle controller calls it NotReady as it would a real stopped kubelet; and the kubelet does
 * not mark it Ready again meanwhile (it does not see the Node change).
 */
import type { EngineInput } from './engine-io.ts'

export interface StoppedNodes {
  readonly stopped: Set<string>
  /** Held inputs, oldest first, each with its node. */
  held: { readonly nodeName: string; readonly input: EngineInput }[]
}

export type Admission = 'pass' | 'hold' | 'drop'

export function stoppedNodes(): StoppedNodes {
  return { stopped: new Set(), held: [] }
}

/** The node an input concerns, if it concerns one. */
export function nodeOfInput(input: EngineInput): string | undefined {
  switch (input.type) {
    case 'podChanged':
      return input.pod.spec.nodeName || undefined
    case 'nodeChanged':
      return input.node.metadata.name
    case 'kubelet.register':
    case 'kubelet.renewLease':
    case 'kubelet.writeStatus':
    case 'kubelet.removePod':
    case 'kubelet.recordEvent':
      return input.nodeName
    default:
      return undefined
  }
}

/** Whether the step sees `input` now; held ones are kept in `s` for {@link startNode}. */
export function admit(s: StoppedNodes, input: EngineInput): Admission {
  const nodeName = nodeOfInput(input)
  if (nodeName === undefined || !s.stopped.has(nodeName)) return 'pass'
  if (input.type === 'kubelet.recordEvent') return 'drop'
  // One renewal (or registration) held is as good as a minute of them.
  if ((input.type === 'kubelet.renewLease' || input.type === 'kubelet.register') && s.held.some((h) => h.nodeName === nodeName && h.input.type === input.type)) return 'drop'
  s.held.push({ nodeName, input })
  return 'hold'
}

export function stopNode(s: StoppedNodes, nodeName: string): void {
  s.stopped.add(nodeName)
}

/** Starts the node again: the inputs held for it, in the order they came. */
export function startNode(s: StoppedNodes, nodeName: string): EngineInput[] {
  if (!s.stopped.delete(nodeName)) return []
  const released = s.held.filter((h) => h.nodeName === nodeName).map((h) => h.input)
  s.held = s.held.filter((h) => h.nodeName !== nodeName)
  return released
}
