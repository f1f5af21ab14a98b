/**
 * The `elector` child of a leader-elected actor (scheduler, controller manager): carries out the
 * effects of the pure lease elector (actors/leader/lease-elector-step.ts) against the API over
 * NATS, feeds their outcomes back, and tells its parent `leader.elected` / `leader.lost`. Timers
 * and the API client come from `engine()`, so nothing of it outlives its stop but the release
 * (its client closes after it: closeApi 'afterCleanup'; the elector carries no fencing token).
 */
import type { AnyActorLogic } from 'xstate'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { ElectorEvent, LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import { electorStep, LEASE_NAMESPACE, startElector, type ElectorEffect, type ElectorInput, type ElectorStep } from '../../actors/leader/lease-elector-step.ts'
import { ApiError } from '../apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../apiserver/api-watch.ts'
import { engine, type EngineContext, type EngineDeps } from '../engine.ts'
import type { TimerHandle } from '../clock.ts'
import { randomClientId } from '../random.ts'
import { ownApiserver } from './own-apiserver.ts'

export const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`

export function leaseElectorLogic(hostId: string, options: LeaderOptions, deps: EngineDeps): AnyActorLogic {
  // Half the renew deadline per try: a renewal slowed by a busy store should still land (a retry
  // elsewhere after a short timeout conflicts with the write that did land), and a dead
  // apiserver still leaves time for a second try before the deadline. A leader's renewal waits
  // longer when its deadline is further off (the step's `answerBy`, see #put): given up at half the
  // deadline under load, it was followed by a read and a write that could not land in time.
  const timeoutMs = Math.max(100, Math.floor(options.renewDeadlineMs / 2))
  // A candidate's read waits longer: nothing is lost by waiting before the lease can expire, and
  // an apiserver riding out a store leader's failover (its store client's 1 s timeout, then the
  // next replica) answers after about a second. Cut off at the short timeout, the read went on to
  // the other apiservers, stalled the same way, and to the stopped master's: the successor of a
  // scheduler leader whose host also held the store leader took its lease 1.6 s after the stop
  // instead of 1.2 s (the chaos bench, rounds with both leaders on the stopped master).
  const candidateReadTimeoutMs = Math.max(timeoutMs, options.leaseDurationMs + 250)
  return engine<ElectorEvent>('lease-elector', deps, { apiservers: options.apiservers, timeoutMs, closeApi: 'afterCleanup', ...ownApiserver(hostId, options.apiservers) }, (context) => {
    // A fresh identity per incarnation: a restarted actor is a new candidate, never mistaken for its old self.
    const identity = randomClientId(`${hostId}_`, context.random)
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options
    const elector = new ElectorRunner(context, options.leaseName, identity, { candidateReadTimeoutMs, timeoutMs, slowRequestMs: slowRequestMs(renewDeadlineMs) })
    elector.apply(startElector({ identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs }, options.leaseName, context.clock.monotonic(), context.clock.now()))
    elector.watch()
    return { stop: () => elector.stop() }
  })
}

interface ElectorTimeouts {
  /** The client's, for every call but these two. */
  readonly timeoutMs: number
  /** A candidate's read. */
  readonly candidateReadTimeoutMs: number
  /** A request that took this long is logged. */
  readonly slowRequestMs: number
}

/** Holds the step's state and its two timers, and turns effects into API calls and reports. */
class ElectorRunner {
  readonly #context: EngineContext<ElectorEvent>
  readonly #path: string
  readonly #log: EngineContext<ElectorEvent>['log']
  #step!: ElectorStep
  #tick: TimerHandle | undefined
  #deadline: TimerHandle | undefined
  /** The request in flight, settled once its outcome has been fed back. */
  #inFlight: Promise<void> = Promise.resolve()
  #released: Promise<unknown> = Promise.resolve()
  readonly #timeouts: ElectorTimeouts
  readonly #leaseName: string
  /** How late (ms) the last tick fired after its `at`: a blocked event loop shows here first. */
  #tickLateMs = 0
  #watch: ApiWatch | undefined
  #stopped = false

  constructor(context: EngineContext<ElectorEvent>, leaseName: string, identity: string, timeouts: ElectorTimeouts) {
    this.#context = context
    this.#timeouts = timeouts
    this.#leaseName = leaseName
    this.#path = `${LEASES}/${leaseName}`
    this.#log = context.log.child({ lease: leaseName, identity })
  }

  apply(step: ElectorStep): void {
    this.#step = step
    for (const effect of step.effects) this.#carryOut(effect)
  }

  /**
   * Follows the Lease (step: `watched`), so that its changes are observed as they are written, not
   * when a read gets through. Best effort: the reads go on regardless, and a watch that cannot open
   * or ends is opened again a second later.
   */
  watch(): void {
    const again = () => {
      this.#watch = undefined
      if (!this.#stopped) this.#context.setTimer(() => this.watch(), 1000)
    }
    const handlers = {
      onEvents: (events: readonly WatchEvent[]) => {
        // Only this Lease (the field selector says so; a stray event must not pass for a renewal).
        for (const e of events) if (e.type !== 'DELETED' && e.object.metadata?.name === this.#leaseName) this.#feed({ type: 'watched', lease: e.object })
      },
      onError: again,
    }
    this.#context.api.watch(LEASES, { fieldSelector: `metadata.name=${this.#leaseName}` }, handlers).then(
      (watch) => {
        if (this.#stopped) return void watch.cancel()
        this.#watch = watch
      },
      (error: unknown) => {
        this.#log.debug({ err: String(error) }, 'could not watch the lease; trying again')
        again()
      },
    )
  }

  /** Feeds stop, waits for a write in flight (the step releases after it), then for the release. */
  async stop(): Promise<void> {
    this.#stopped = true
    void this.#watch?.cancel()
    this.#feed({ type: 'stop' })
    await this.#inFlight
    await this.#released
  }

  /** Durations on the monotonic clock (a wall clock stepped ahead must not expire a lease early); wall time for the Lease's timestamps. */
  #feed(input: ElectorInput): void {
    const { clock } = this.#context
    this.apply(electorStep(this.#step.state, input, clock.monotonic(), clock.now()))
  }

  #carryOut(effect: ElectorEffect): void {
    const { api } = this.#context
    switch (effect.type) {
      case 'read': {
        // A leader reads only after a failed renewal: its deadline runs, so it keeps the client's short timeout.
        const read = this.#step.state.role === 'leading' ? api.get(this.#path) : api.get(this.#path, { timeoutMs: this.#timeouts.candidateReadTimeoutMs })
        return this.#request('read', read, (lease) => ({ type: 'read.found', lease }), (status) => (status === 404 ? { type: 'read.notFound' } : { type: 'read.failed' }))
      }
      case 'create':
        return this.#request('create', api.create(LEASES, effect.lease), (lease) => ({ type: 'write.succeeded', lease }), writeRefused)
      case 'update':
        return this.#request('update', this.#put(effect.lease, effect.answerBy), (lease) => ({ type: 'write.succeeded', lease }), writeRefused)
      case 'release':
        this.#released = api.update(this.#path, effect.lease).catch((error: unknown) => this.#log.debug({ err: String(error) }, 'lease release failed'))
        return
      case 'armTick':
        this.#tick = this.#rearm(this.#tick, effect.at, { type: 'tick' }, (lateMs) => (this.#tickLateMs = lateMs))
        return
      case 'armDeadline':
        this.#deadline = this.#rearm(this.#deadline, effect.at, { type: 'deadline' })
        return
      case 'elected':
        this.#log.info({ term: effect.term }, 'became leader')
        return this.#context.report({ type: 'leader.elected', identity: effect.identity, term: effect.term })
      case 'lost':
        this.#log.warn({ why: effect.why, tickLateMs: Math.round(this.#tickLateMs) }, 'lost leadership')
        return this.#context.report({ type: 'leader.lost' })
    }
  }

  /**
   * A PUT of the Lease; a leader's renewal waits for its answer until its renew deadline
   * (`answerBy`) when that is later than the client's timeout: given up early, it would be
   * followed by a read and another write, two more round trips through the same slow path.
   */
  #put(lease: KubeObject, answerBy: number | undefined): Promise<KubeObject> {
    const { api, clock } = this.#context
    if (answerBy === undefined) return api.update(this.#path, lease)
    return api.update(this.#path, lease, { timeoutMs: Math.max(this.#timeouts.timeoutMs, Math.ceil(answerBy - clock.monotonic())) })
  }

  /**
   * One API call; its answer (or the HTTP status it failed with, undefined when none came) is fed
   * back. A slow one is logged with its round trip and how late the tick that started it fired, so
   * a lost lease can be told apart: a late tick is this host's event loop, a slow answer the path.
   */
  #request(op: string, call: Promise<KubeObject>, answered: (lease: KubeObject) => ElectorInput, refused: (status: number | undefined) => ElectorInput): void {
    const sentAt = this.#context.clock.monotonic()
    const tickLateMs = this.#tickLateMs
    const timed = (outcome: string) => {
      const tookMs = this.#context.clock.monotonic() - sentAt
      if (tookMs >= this.#timeouts.slowRequestMs) this.#log.info({ op, outcome, tookMs: Math.round(tookMs), tickLateMs: Math.round(tickLateMs) }, 'slow lease request')
    }
    this.#inFlight = call.then(
      (lease) => {
        timed('ok')
        this.#feed(answered(lease))
      },
      (error: unknown) => {
        timed(error instanceof ApiError ? String(error.status) : String(error))
        if (!(error instanceof ApiError)) this.#log.debug({ err: String(error) }, 'lease request failed')
        this.#feed(refused(error instanceof ApiError ? error.status : undefined))
      },
    ).catch((error: unknown) => this.#context.fail(error))
  }

  #rearm(previous: TimerHandle | undefined, at: number, input: ElectorInput, late?: (ms: number) => void): TimerHandle {
    if (previous !== undefined) this.#context.clearTimer(previous)
    return this.#context.setTimer(() => {
      late?.(Math.max(0, this.#context.clock.monotonic() - at))
      this.#feed(input)
    }, Math.max(0, at - this.#context.clock.monotonic()))
  }
}

/** A lease request slower than this is logged: a quarter of the renew deadline. */
const slowRequestMs = (renewDeadlineMs: number): number => Math.max(50, Math.floor(renewDeadlineMs / 4))

const writeRefused = (status: number | undefined): ElectorInput => (status === 409 ? { type: 'write.conflicted' } : { type: 'write.failed' })
