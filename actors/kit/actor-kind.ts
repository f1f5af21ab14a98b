import type { AnyStateMachine } from 'xstate'
import type { Address } from './address.ts'

/** Time and randomness as the host injects them; actors read neither from globals. */
export interface ActorEnv {
  now(): number
  random(): number
}

/** What every hosted machine receives as input. */
export interface ActorInput<Options = unknown> {
  readonly id: string
  readonly host: string
  readonly options: Options
  readonly env: ActorEnv
}

/**
 * A kind of actor a host can run: its behaviour (a machine that invokes `network` at its root),
 * the component name its inbox subject uses, and the inbound event types it understands, so
 * that the host can drop anything else before it reaches the machine.
 */
export interface ActorKind<Options = unknown> {
  readonly component: string
  readonly logic: AnyStateMachine
  readonly accepts: ReadonlySet<string>
  /** Validates the `options` a host config gives; throws a TypeError naming the field. */
  readonly parseOptions: (raw: unknown) => Options
  /**
   * Inbound types the machine also accepts inside a `net.batch` event (see NetBatch): when many
   * arrive at once the host hands them over together. Optional; without it every message is its
   * own event.
   */
  readonly batchable?: ReadonlySet<string>
  /**
   * On a graceful stop the host sends the actor `{ type: 'host.stopping' }` and waits this long
   * before stopping it, so that it can hand over (a store leader transfers leadership).
   */
  readonly stopGraceMs?: number
  /** Subjects beyond the actor's own inbox (e.g. a broadcast topic). */
  readonly topics?: (id: string, options: Options) => readonly Address[]
}
