/**
 * Supervision as a machine: the supervised actor is the invoked child `child`; when it fails the
 * supervisor waits an exponentially growing backoff and invokes it afresh. The backoff resets once
 * the child has stayed up for `stableMs`. The host provides the real child with
 * `supervisor.provide({ actors: { child } })` and listens to the emitted events for logs and metrics.
 * The failed child's own children are stopped before the restart: XState leaves them running
 * (./failed-actor-children.ts). `supervisor.crash` fails the child from outside (a chaos
 * `actor-crash`): it is stopped where it stands and restarted as after any failure.
 */
import { assign, createMachine, emit, setup, type AnyActorLogic } from 'xstate'
import { stopOrphanedChildren } from './failed-actor-children.ts'

export interface BackoffPolicy {
  readonly initialMs: number
  readonly maxMs: number
  /** Uptime after which the next failure starts again at `initialMs`. */
  readonly stableMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 30_000, stableMs: 10_000 }

export interface SupervisorInput {
  readonly childInput: unknown
  readonly backoff?: BackoffPolicy
}

interface SupervisorContext {
  readonly childInput: unknown
  readonly backoff: BackoffPolicy
  readonly restarts: number
  /** Failures since the child last stayed up for `stableMs`. */
  readonly consecutiveFailures: number
  readonly lastError: string | undefined
}

/** Fails the running child from outside, as if it had thrown (chaos `actor-crash`). */
export interface SupervisorCrash {
  readonly type: 'supervisor.crash'
  readonly reason: string
}

export type SupervisorEmitted =
  | { type: 'supervisor.failed'; error: string; restarts: number; retryInMs: number }
  | { type: 'supervisor.restarted'; restarts: number }

/** The delay before restart number `failures` (1-based): initial * 2^(failures-1), capped. */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const exponent = Math.max(0, failures - 1)
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 30))
}

/** What the supervisor tells the host when its child failed (the failure already counted). */
const failedEvent = (context: SupervisorContext): SupervisorEmitted => ({
  type: 'supervisor.failed',
  error: context.lastError ?? 'unknown error',
  restarts: context.restarts,
  retryInMs: backoffDelay(context.backoff, context.consecutiveFailures),
})

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

export const supervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorCrash,
    emitted: {} as SupervisorEmitted,
  },
  actors: {
    // Replaced by the host; a machine that never finishes keeps the default harmless.
    child: createMachine({}) as AnyActorLogic,
  },
  delays: {
    restartDelay: ({ context }) => backoffDelay(context.backoff, context.consecutiveFailures),
    stable: ({ context }) => context.backoff.stableMs,
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    childInput: input.childInput,
    backoff: input.backoff ?? DEFAULT_BACKOFF,
    restarts: 0,
    consecutiveFailures: 0,
    lastError: undefined,
  }),
  initial: 'running',
  states: {
    running: {
      invoke: {
        id: 'child',
        src: 'child',
        input: ({ context }: { context: SupervisorContext }) => context.childInput,
        onDone: 'finished',
        onError: {
          target: 'backingOff',
          actions: [
            // Before this transition completes, `self` still holds the failed child.
            ({ self }) => stopOrphanedChildren(self.getSnapshot().children.child),
            assign(({ context, event }) => ({
              consecutiveFailures: context.consecutiveFailures + 1,
              lastError: describeError(event.error),
            })),
            emit(({ context }) => failedEvent(context)),
          ],
        },
      },
      on: {
        // Leaving `running` stops the invoked child and everything it spawned, as a crash would.
        'supervisor.crash': {
          target: 'backingOff',
          actions: [
            assign(({ context, event }) => ({ consecutiveFailures: context.consecutiveFailures + 1, lastError: `crashed: ${event.reason}` })),
            emit(({ context }) => failedEvent(context)),
          ],
        },
      },
      after: {
        stable: { actions: assign({ consecutiveFailures: 0 }) },
      },
    },
    backingOff: {
      after: {
        restartDelay: {
          target: 'running',
          actions: [
            assign(({ context }) => ({ restarts: context.restarts + 1 })),
            emit(({ context }) => ({ type: 'supervisor.restarted' as const, restarts: context.restarts })),
          ],
        },
      },
    },
    finished: { type: 'final' },
  },
})
