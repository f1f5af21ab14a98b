/**
 * Registering the Nodes a kubelet carries, as pure state: create each Node, or take over the one a
 * previous run left (a 409: read it and put it back to Ready), retrying every
 * {@link REGISTER_RETRY_MS} until one of the two worked; at most {@link REGISTER_CONCURRENCY} out
 * at once. A registered node that the API shows not Ready (the controller manager marked it during
 * an outage) is patched Ready again, one patch at a time; one that someone deleted is registered
 * again. The functions mutate the state they are given and return the effects to perform.
 */
import type { Node } from '../kube/objects.ts'
import type { Change, EngineEffect } from './engine-io.ts'
import { nodeConditions, readyAgainPatch } from './node-object.ts'

export const REGISTER_RETRY_MS = 1000
/**
 * Registrations out at once. A pool registers all its nodes when it starts: 5,000 creates at once
 * all outlived their 5 s timeout and retried together, so almost none ever got through.
 */
export const REGISTER_CONCURRENCY = 32

/** Where a registration not yet done stands. */
type Pending = 'waiting' | 'creating' | 'reading' | 'patching' | 'backoff'

export interface NodeRegistrations {
  readonly registered: Set<string>
  readonly pending: Map<string, Pending>
  /** Registrations waiting for a slot, in the order they asked. */
  readonly waiting: string[]
  /** Slots in use (creating, reading or patching). */
  slots: number
  /** Nodes with a Ready-again patch out. */
  readonly patching: Set<string>
}

export function nodeRegistrations(): NodeRegistrations {
  return { registered: new Set(), pending: new Map(), waiting: [], slots: 0, patching: new Set() }
}

/** A node actor asks to be registered; a registered node is answered at once, one asked again waits for its registration. */
export function register(s: NodeRegistrations, nodeName: string): EngineEffect[] {
  if (s.registered.has(nodeName)) return [registeredReport(nodeName)]
  if (s.pending.has(nodeName)) return []
  return acquire(s, nodeName)
}

export function nodeCreated(s: NodeRegistrations, nodeName: string, outcome: 'created' | 'conflict' | 'failed'): EngineEffect[] {
  if (s.pending.get(nodeName) !== 'creating') return []
  if (outcome === 'created') return done(s, nodeName)
  if (outcome === 'failed') return backoff(s, nodeName)
  // A node of this name exists (this kubelet ran before): it is ours again.
  s.pending.set(nodeName, 'reading')
  return [{ type: 'readNode', nodeName }]
}

export function nodeRead(s: NodeRegistrations, nodeName: string, node: Node | undefined, now: number): EngineEffect[] {
  if (s.pending.get(nodeName) !== 'reading') return []
  if (node === undefined) return backoff(s, nodeName)
  const patch = readyAgainPatch(node, now)
  if (patch === undefined || s.patching.has(nodeName)) return done(s, nodeName)
  s.patching.add(nodeName)
  s.pending.set(nodeName, 'patching')
  return [{ type: 'patchReady', nodeName, patch }]
}

/**
 * A Ready-again patch came back. A failed one is tried again after {@link REGISTER_RETRY_MS}: the
 * Node will not change again by itself (the controller manager marked it once), so waiting for
 * its next change left it NotReady for good (simulation seed 2116: the patch sent during a
 * partition timed out and the node stayed NotReady while its kubelet renewed its Lease).
 */
export function readyPatched(s: NodeRegistrations, nodeName: string, ok: boolean): EngineEffect[] {
  s.patching.delete(nodeName)
  const retry: EngineEffect[] = ok ? [] : [{ type: 'after', ms: REGISTER_RETRY_MS, input: { type: 'readyRetry', nodeName } }]
  return s.pending.get(nodeName) === 'patching' ? [...retry, ...done(s, nodeName)] : retry
}

/** A failed Ready-again patch is due again: sent with the conditions as of now, unless one is out. */
export function readyRetry(s: NodeRegistrations, nodeName: string, now: number): EngineEffect[] {
  if (!s.registered.has(nodeName) || s.patching.has(nodeName)) return []
  s.patching.add(nodeName)
  return [{ type: 'patchReady', nodeName, patch: { status: { conditions: nodeConditions(now) } } }]
}

export function registerRetry(s: NodeRegistrations, nodeName: string): EngineEffect[] {
  if (s.pending.get(nodeName) !== 'backoff') return []
  return acquire(s, nodeName)
}

/** The node informer saw one of our nodes change; only registered nodes are looked after. */
export function nodeChanged(s: NodeRegistrations, change: Change, node: Node, now: number): EngineEffect[] {
  const nodeName = node.metadata.name ?? ''
  if (!s.registered.has(nodeName)) return []
  if (change === 'DELETED') {
    s.registered.delete(nodeName)
    return register(s, nodeName)
  }
  const patch = readyAgainPatch(node, now)
  if (patch === undefined || s.patching.has(nodeName)) return []
  s.patching.add(nodeName)
  return [{ type: 'patchReady', nodeName, patch }]
}

function acquire(s: NodeRegistrations, nodeName: string): EngineEffect[] {
  if (s.slots >= REGISTER_CONCURRENCY) {
    s.pending.set(nodeName, 'waiting')
    s.waiting.push(nodeName)
    return []
  }
  s.slots++
  s.pending.set(nodeName, 'creating')
  return [{ type: 'createNode', nodeName }]
}

/** A slot is free: it passes straight to the next registration waiting. */
function release(s: NodeRegistrations): EngineEffect[] {
  s.slots--
  const next = s.waiting.shift()
  return next === undefined ? [] : acquire(s, next)
}

function done(s: NodeRegistrations, nodeName: string): EngineEffect[] {
  s.pending.delete(nodeName)
  s.registered.add(nodeName)
  return [registeredReport(nodeName), ...release(s)]
}

function backoff(s: NodeRegistrations, nodeName: string): EngineEffect[] {
  s.pending.set(nodeName, 'backoff')
  return [{ type: 'after', ms: REGISTER_RETRY_MS, input: { type: 'registerRetry', nodeName } }, ...release(s)]
}

const registeredReport = (nodeName: string): EngineEffect => ({ type: 'report', report: { type: 'kubelet.registered', nodeName } })
