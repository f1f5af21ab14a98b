/**
 * Store-level streams: a live prefix watch through StoreClient (recorded from a range at a known
 * revision), and the replay that tells which revisions were committed under a prefix, for the
 * gap check of any stream over it (a store watch, or an API watch over its registry prefix).
 */
import type { WatchEvent as StoreEvent } from '../../../actors/store/mvcc/types.ts'
import type { Clock } from '../../clock.ts'
import type { StoreClient } from '../../store/store-client.ts'
import type { Watch } from '../../store/store-watch.ts'
import { pause } from './types.ts'
import type { StreamEvent } from './watch-streams.ts'

export const asStreamEvent = (e: StoreEvent, at: number): StreamEvent => ({ revision: e.revision, key: e.kv.key, type: e.type === 'PUT' ? 'put' : 'delete', at })

export class StoreWatchRecorder {
  readonly prefix: string
  readonly #client: StoreClient
  readonly #clock: Clock
  readonly #events: StreamEvent[] = []
  #listed = new Map<string, number>()
  #listRevision = NaN
  #ended: string | undefined
  #watch: Watch | undefined

  constructor(client: StoreClient, prefix: string, clock: Clock) {
    this.#client = client
    this.prefix = prefix
    this.#clock = clock
  }

  async start(): Promise<void> {
    const listed = await listPrefix(this.#client, this.prefix)
    this.#listed = listed.keys
    this.#listRevision = listed.revision
    this.#watch = await this.#client.watch({ key: this.prefix, prefix: true, fromRevision: listed.revision + 1 }, (events) => {
      const at = this.#clock.now()
      for (const e of events) this.#events.push(asStreamEvent(e, at))
    }, { onError: (error) => (this.#ended = `${error.code}: ${error.message}`) })
  }

  get listed(): ReadonlyMap<string, number> {
    return this.#listed
  }

  get listRevision(): number {
    return this.#listRevision
  }

  get events(): readonly StreamEvent[] {
    return this.#events
  }

  get ended(): string | undefined {
    return this.#ended
  }

  async stop(): Promise<void> {
    await this.#watch?.cancel()
    this.#watch = undefined
  }
}

/** The keys under `prefix` with their mod revisions, and the store revision they were read at. */
export async function listPrefix(client: StoreClient, prefix: string): Promise<{ keys: Map<string, number>; revision: number }> {
  const r = await client.range({ key: prefix, prefix: true, keysOnly: true })
  return { keys: new Map(r.kvs.map((kv) => [kv.key, kv.modRevision])), revision: r.revision }
}

export interface Replay {
  readonly revisions: readonly number[]
  /** Complete up to here. */
  readonly through: number
  /** Why the replay could not run (e.g. the history was compacted). */
  readonly failed?: string
}

/**
 * Every revision committed under `prefix` from `fromRevision` on, read by a fresh watch until it
 * passes `untilRevision` or `timeoutMs` of the clock runs out.
 */
export async function replayRevisions(client: StoreClient, clock: Clock, prefix: string, fromRevision: number, untilRevision: number, timeoutMs: number): Promise<Replay> {
  const revisions: number[] = []
  let failed: string | undefined
  let watch: Watch
  try {
    watch = await client.watch({ key: prefix, prefix: true, fromRevision }, (events) => {
      for (const e of events) if (revisions.at(-1) !== e.revision) revisions.push(e.revision)
    }, { onError: (error) => (failed = `${error.code}: ${error.message}`) })
  } catch (error) {
    return { revisions, through: fromRevision - 1, failed: String(error) }
  }
  const deadline = clock.now() + timeoutMs
  while ((revisions.at(-1) ?? fromRevision - 1) < untilRevision && failed === undefined && clock.now() < deadline) await pause(clock, 50)
  await watch.cancel()
  const through = Math.min(untilRevision, revisions.at(-1) ?? fromRevision - 1)
  return { revisions, through, ...(failed !== undefined ? { failed } : {}) }
}
