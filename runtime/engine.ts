/**
 * The one helper every `engine` child is built on (scheduler, controller manager, kubelet,
 * kube-proxy, lease elector). An engine is the thin I/O adapter of a pure step in actors/: it
 * owns an API client, timers and a few subscriptions, and everything it holds must go when its
 * parent stops it (a leader that lost its lease must stop acting at once). The helper makes
 * that uniform: timers set through the context are cleared on stop, reports after stop are
 * dropped, a failure becomes `engine.failed` for the parent, and the API client closes at once:
 * nothing new is sent, a call in flight is neither resent nor awaited (it rejects with
 * ApiClientClosedError), then the body's own cleanup runs. Only an engine whose cleanup itself
 * must write (the lease elector's release) keeps its client until that cleanup settles. A
 * leader's engine is invoked with its fencing token, which its API client puts on every write
 * (actors/apiserver/fence.ts): a write landing after the term is refused.
 */
import { fromCallback, type AnyActorLogic, type EventObject } from 'xstate'
import type { Fence } from '../actors/apiserver/fence.ts'
import { ApiClient } from './apiserver/api-client.ts'
import type { Clock, TimerHandle } from './clock.ts'
import type { Logger } from './log.ts'
import { randomClientId, type Random } from './random.ts'
import type { Transport } from './transport/transport.ts'

/** What a host gives every engine and host service: the only ways to reach the world, time and chance. */
export interface EngineDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly random: Random
  readonly log: Logger
}

export interface EngineApiOptions {
  /** The apiserver actors' ids (the master hosts). */
  readonly apiservers: readonly string[]
  readonly timeoutMs?: number
  /** Names the client's watch subject; drawn from `deps.random` by default. */
  readonly clientId?: string
  /** The apiserver tried first (ApiClientOptions.preferredApiserver): a master's own. */
  readonly preferredApiserver?: string
  /**
   * 'afterCleanup': the body's stop writes through the client (the lease elector's release), so it
   * closes only once that cleanup settled. Never for a fenced engine: a deposed leader stops
   * writing at once. Default 'atStop'.
   */
  readonly closeApi?: 'atStop' | 'afterCleanup'
}

/** What a parent may invoke an engine with: a leader's token (actors/leader/leader-elected.machine.ts). */
export interface EngineInput {
  readonly fence?: Fence
}

export interface EngineContext<TReport extends EventObject> {
  readonly api: ApiClient
  readonly clock: Clock
  readonly random: Random
  readonly log: Logger
  /** True once the parent stopped the engine: late answers must then be ignored. */
  readonly stopped: boolean
  /** Tells the parent, unless the engine stopped. */
  report(event: TReport): void
  /** Reports `engine.failed` with the error's message (the parent restarts or gives up). */
  fail(error: unknown): void
  /** A timer that is cleared when the engine stops and never fires after. */
  setTimer(fn: () => void, ms: number): TimerHandle
  clearTimer(handle: TimerHandle): void
}

export type EngineFailed = { readonly type: 'engine.failed'; readonly message: string }

export interface EngineBody<TReport extends EventObject, TCommand extends EventObject> {
  /** Called when the parent sends the engine a command. */
  readonly receive?: (command: TCommand) => void
  /** The body's own cleanup; it runs after the API client closed (unless closeApi is 'afterCleanup'). */
  readonly stop?: () => void | Promise<unknown>
}

/** A leader's writes must end with its term, so its client cannot outlive the stop. */
function closeApiMode(name: string, options: EngineApiOptions, fence: Fence | undefined): 'atStop' | 'afterCleanup' {
  const mode = options.closeApi ?? 'atStop'
  if (mode === 'afterCleanup' && fence !== undefined) throw new Error(`${name} engine: a fenced engine's API client must close at stop, not after cleanup`)
  return mode
}

/**
 * Builds an engine child. `start` runs once per invocation (so a restarted actor gets a fresh
 * engine with fresh state) and returns how to feed it commands and how to stop it.
 */
export function engine<TReport extends EventObject, TCommand extends EventObject = EventObject>(
  name: string,
  deps: EngineDeps,
  apiOptions: EngineApiOptions,
  start: (context: EngineContext<TReport>) => EngineBody<TReport, TCommand> | void,
): AnyActorLogic {
  return fromCallback<TCommand, EngineInput | undefined>(({ sendBack, receive, input }) => {
    const timers = new Set<TimerHandle>()
    let stopped = false
    const fence = input?.fence
    const closeApi = closeApiMode(name, apiOptions, fence)
    const api = new ApiClient({
      ...(fence !== undefined ? { fence } : {}),
      transport: deps.transport,
      cluster: deps.cluster,
      apiservers: apiOptions.apiservers,
      clock: deps.clock,
      timeoutMs: apiOptions.timeoutMs ?? 5000,
      clientId: apiOptions.clientId ?? randomClientId('a', deps.random),
      ...(apiOptions.preferredApiserver !== undefined ? { preferredApiserver: apiOptions.preferredApiserver } : {}),
    })
    const log = deps.log.child({ engine: name, ...(fence !== undefined ? { term: fence.term } : {}) })
    const context: EngineContext<TReport> = {
      api,
      clock: deps.clock,
      random: deps.random,
      log,
      get stopped() {
        return stopped
      },
      report: (event) => {
        if (!stopped) sendBack(event)
      },
      fail: (error) => {
        if (stopped) return
        const message = `${name} engine: ${error instanceof Error ? error.message : String(error)}`
        sendBack({ type: 'engine.failed', message } satisfies EngineFailed)
      },
      setTimer: (fn, ms) => {
        const handle = deps.clock.setTimeout(() => {
          timers.delete(handle)
          if (!stopped) fn()
        }, ms)
        timers.add(handle)
        return handle
      },
      clearTimer: (handle) => {
        timers.delete(handle)
        deps.clock.clearTimeout(handle)
      },
    }
    const body = start(context) ?? {}
    if (body.receive) receive(body.receive)
    return () => {
      stopped = true
      for (const handle of timers) deps.clock.clearTimeout(handle)
      timers.clear()
      const closing = (): Promise<void> => api.close().catch((error: unknown) => log.debug({ err: String(error) }, 'API client close failed'))
      const closed = closeApi === 'atStop' ? closing() : undefined
      void Promise.resolve()
        .then(() => body.stop?.())
        .catch((error: unknown) => log.debug({ err: String(error) }, 'engine cleanup failed'))
        .finally(() => closed ?? closing())
    }
  })
}

