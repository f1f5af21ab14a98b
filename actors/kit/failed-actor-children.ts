/**
 * XState 5.33 stops an actor that fails (throws in an action, a guard or its own logic) but leaves
 * its invoked and spawned children running (statelyai/xstate#5153; the TODO on
 * `Actor._stopProcedure`). A failed actor's children would keep acting next to its restarted
 * incarnation: a zombie lease elector kept renewing the Lease of a kind whose new incarnation
 * stayed standby (sim seed 5012). These stop them.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate'

/** What is needed of an actor here; inspection events carry refs typed this narrowly. */
type ActorWithSnapshot = Pick<AnyActorRef, 'getSnapshot'>

/** XState's own stopChild calls this; its typings make it private. */
interface InternallyStoppable {
  _stop(): void
}

function statusOf(actor: ActorWithSnapshot): string | undefined {
  return (actor.getSnapshot() as { status?: string } | undefined)?.status
}

/**
 * Stops the children a failed actor left running, the way XState stops the children of a state it
 * exits: a running child is sent its stop, on which a machine stops its own children, a
 * fromCallback runs its cleanup and a fromPromise is aborted. A child that failed too is already
 * stopped, so its children are walked in turn.
 */
export function stopOrphanedChildren(failed: ActorWithSnapshot | undefined): void {
  const snapshot = failed?.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> } | undefined
  for (const child of Object.values(snapshot?.children ?? {})) {
    if (!child) continue
    if (statusOf(child) === 'error') stopOrphanedChildren(child)
    else (child as unknown as InternallyStoppable)._stop()
  }
}

/**
 * An `inspect` observer for a whole actor system: when any actor reports its failure to its parent,
 * its children are stopped. This reaches failures the parent handles, and failures that fail the
 * parent too, which then drops the failed child from its snapshot before anyone can walk it.
 */
export function stopChildrenOfFailedActors(event: InspectionEvent): void {
  if (event.type !== '@xstate.event' || !event.sourceRef || !event.event.type.startsWith('xstate.error.actor')) return
  if (statusOf(event.sourceRef) === 'error') stopOrphanedChildren(event.sourceRef)
}
