/**
 * A leader-elected actor: one runs on every master, one of them leads. The host provides an
 * `elector` child (the pure actors/leader/lease-elector-step.ts, carried out by
 * runtime/leader/lease-elector.ts) that campaigns for a Lease and reports
 * `leader.elected` / `leader.lost`, and an `engine` child that does the actual work (scheduling,
 * reconciling). The engine runs only in `leading`: losing the lease stops it at once, and a new
 * engine starts from scratch (fresh watches and caches) on the next election, unless the kind
 * provides `informers` too: a child that runs in both states and keeps the caches warm (the
 * scheduler's, as kube-scheduler starts its informers before it campaigns), so a new leader acts
 * at once instead of listing first. The engine is
 * invoked with its term's fencing token, which its writes carry: one that lands after the term
 * ended is refused by the apiserver (actors/apiserver/fence.ts).
 */
import { assign, fromCallback, setup } from 'xstate'
import type { Fence } from '../apiserver/fence.ts'
import type { ActorInput } from '../kit/actor-kind.ts'
import { NETWORK } from '../kit/network.ts'
import { placeholderNetwork } from '../kit/placeholder-network.ts'

export interface LeaderOptions {
  /** The apiserver actors' ids (the masters). */
  readonly apiservers: readonly string[]
  /** The Lease in kube-system (`kube-scheduler`, `kube-controller-manager`). */
  readonly leaseName: string
  readonly leaseDurationMs: number
  readonly renewDeadlineMs: number
  readonly retryPeriodMs: number
}

/** `term` numbers the terms of leadership on the Lease (its leaseTransitions): the fencing token. */
export type ElectorEvent = { readonly type: 'leader.elected'; readonly identity: string; readonly term: number } | { readonly type: 'leader.lost' }

/** The engine failed for good: the actor crashes and its supervisor starts it again. */
export interface EngineFailed {
  readonly type: 'engine.failed'
  readonly message: string
}

/** What the engine is invoked with. */
export interface LeaderEngineInput {
  readonly fence: Fence | undefined
}

export const ELECTOR = 'elector'
export const ENGINE = 'engine'
/** Optional: a kind without warm caches leaves it the placeholder, which does nothing. */
export const INFORMERS = 'informers'

/**
 * Fast defaults: failover in about 2 s (Kubernetes' defaults, 15 s / 10 s / 2 s, allow ~17 s).
 * A leader renews every 200 ms and gives up after 1.5 s without success, before its 2 s lease can
 * expire for the others. A 1 s lease was tried: renewals queue behind the store's writes when
 * thousands of pods are being created, and leadership then changed hands every second or so.
 */
export const LEADER_DEFAULTS = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 } as const

/**
 * The scheduler's: a 1 s lease (renew deadline 850 ms, retry 150 ms), the shortest a Lease can say
 * (whole seconds), for issue 14's goal: pods binding again within 2 s of the leader's host being
 * stopped (1.0-1.6 s measured with it; a standby cannot see a 2 s lease expire that soon: 2.0-2.5 s).
 * It first starved under the scheduling bench's load (10,000 pods onto 5,000 nodes on 2 cores):
 * lost 3-5 times in a run. Measured, a renewal's round trip there is 250-550 ms, spent in the
 * store's commit path and the other masters' event loops rather than on the scheduler's own host
 * (its loopback and timers answered in 3-35 ms, p50, as the slow renewals were sent), and the
 * elector added to it a pause of the retry period after each renewal and gave a slow one up at
 * half the deadline. Since renewals keep their cadence from when each began and wait for their
 * answer until the deadline (lease-elector-step.ts), and scheduling turns end after 20 ms: no
 * loss in two runs, 397 and 344 pods/s, against 238 with the 2 s lease in the same session, on a
 * machine shared with other work (load average 4-9 on 2 cores, 2026-12-06). Under heavier load
 * from that work (8-15) it was lost 9-10 times a run (218 and 187 pods/s) while the 2 s lease held
 * (272 pods/s): renewals then took 300-700 ms, in the store's commit path, which is left to speed up.
 */
export const SCHEDULER_LEADER_DEFAULTS: LeaderTimings = { leaseDurationMs: 1000, renewDeadlineMs: 850, retryPeriodMs: 150 }

export type LeaderTimings = Pick<LeaderOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>

export function leaderElectedMachine(name: string) {
  return setup({
    types: {
      /** `fence`: the term being led (none in standby); `terms`: how many this actor has led. */
      context: {} as { readonly id: string; readonly leaseName: string; fence: Fence | undefined; terms: number },
      events: {} as ElectorEvent | EngineFailed,
      input: {} as ActorInput<LeaderOptions>,
    },
    actors: { network: placeholderNetwork, elector: fromCallback(() => {}), informers: fromCallback(() => {}), engine: fromCallback(() => {}) },
  }).createMachine({
    id: name,
    context: ({ input }) => ({ id: input.id, leaseName: input.options.leaseName, fence: undefined, terms: 0 }),
    invoke: [
      { id: NETWORK, src: 'network' },
      { id: ELECTOR, src: 'elector' },
      { id: INFORMERS, src: 'informers' },
    ],
    initial: 'standby',
    states: {
      standby: {
        on: {
          'leader.elected': {
            target: 'leading',
            actions: assign({ fence: ({ context, event }) => ({ lease: context.leaseName, holder: event.identity, term: event.term }), terms: ({ context }) => context.terms + 1 }),
          },
        },
      },
      leading: {
        invoke: { id: ENGINE, src: 'engine', input: ({ context }): LeaderEngineInput => ({ fence: context.fence }) },
        on: { 'leader.lost': { target: 'standby', actions: assign({ fence: undefined }) } },
      },
    },
    on: {
      'engine.failed': {
        actions: ({ event }) => {
          throw new Error(`${name}: ${event.message}`)
        },
      },
    },
  })
}
