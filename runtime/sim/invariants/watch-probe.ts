/**
 * Turns the recorded streams into invariant 2's observations at check time: a fresh list to
 * compare the stream's state with (waiting, on the clock, until the stream has caught up to the
 * list's revision or the time is up), and a store replay under the stream's prefix for gaps.
 */
import type { ApiClient } from '../../apiserver/api-client.ts'
import type { Clock } from '../../clock.ts'
import type { StoreClient } from '../../store/store-client.ts'
import { listCollection, objectKey, revisionOf, type ApiWatchRecorder, type CollectionRecord } from './api-watch-recorder.ts'
import { listPrefix, replayRevisions, type Replay, type StoreWatchRecorder } from './store-watch-recorder.ts'
import { pause } from './types.ts'
import { stateAt, type StreamEvent, type StreamObservation } from './watch-streams.ts'

export interface ObservationTiming {
  readonly clock: Clock
  /** How long (virtual ms) a stream gets to catch up with a fresh list, and a replay to finish. */
  readonly timeoutMs: number
}

export function apiStreamEvents(record: CollectionRecord): StreamEvent[] {
  return record.events.map((e) => ({ revision: revisionOf(e.object), key: objectKey(e.object), type: e.type === 'DELETED' ? 'delete' : 'put', at: e.at }))
}

const revisionsOf = (objects: ReadonlyMap<string, { metadata?: { resourceVersion?: string } }>): Map<string, number> =>
  new Map([...objects].map(([key, object]) => [key, Number(object.metadata?.resourceVersion ?? NaN)]))

export async function apiStreamObservation(recorder: ApiWatchRecorder, api: ApiClient, store: StoreClient, storePrefix: string, timing: ObservationTiming): Promise<StreamObservation> {
  const fresh = await listCollection(api, recorder.path)
  const listed = revisionsOf(fresh.objects)
  const start = recorder.record()
  const built = await caughtUp(revisionsOf(start.listed), () => apiStreamEvents(recorder.record()), listed, fresh.revision, timing)
  const record = recorder.record()
  const events = apiStreamEvents(record)
  const replay = await replayOver(store, storePrefix, record.listRevision + 1, events, timing)
  return observation(`api ${recorder.path}`, events, record.listRevision + 1, replay, record.ended, { revision: fresh.revision, built, listed })
}

export async function storeStreamObservation(recorder: StoreWatchRecorder, store: StoreClient, timing: ObservationTiming): Promise<StreamObservation> {
  const fresh = await listPrefix(store, recorder.prefix)
  const built = await caughtUp(recorder.listed, () => recorder.events, fresh.keys, fresh.revision, timing)
  const events = [...recorder.events]
  const replay = await replayOver(store, recorder.prefix, recorder.listRevision + 1, events, timing)
  return observation(`store ${recorder.prefix}`, events, recorder.listRevision + 1, replay, recorder.ended, { revision: fresh.revision, built, listed: fresh.keys })
}

function observation(name: string, events: StreamEvent[], fromRevision: number, replay: Replay, ended: string | undefined, final: StreamObservation['final']): StreamObservation {
  // A replay that could not run (history compacted away) leaves gaps unjudged rather than invented.
  const committed = replay.failed === undefined ? { committed: replay.revisions, committedThrough: replay.through } : {}
  return { name, events, fromRevision, ...committed, ...(ended !== undefined ? { ended } : {}), ...(final !== undefined ? { final } : {}) }
}

function replayOver(store: StoreClient, prefix: string, fromRevision: number, events: readonly StreamEvent[], timing: ObservationTiming): Promise<Replay> {
  const until = Math.max(fromRevision - 1, ...events.map((e) => e.revision))
  return replayRevisions(store, timing.clock, prefix, fromRevision, until, timing.timeoutMs)
}

/** The stream's state at `revision` once it equals `listed`, or as it is when the time is up. */
async function caughtUp(initial: ReadonlyMap<string, number>, events: () => readonly StreamEvent[], listed: ReadonlyMap<string, number>, revision: number, timing: ObservationTiming): Promise<Map<string, number>> {
  const deadline = timing.clock.now() + timing.timeoutMs
  for (;;) {
    const built = stateAt(initial, events(), revision)
    if (sameState(built, listed) || timing.clock.now() >= deadline) return built
    await pause(timing.clock, 50)
  }
}

function sameState(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return a.size === b.size && [...a].every(([key, revision]) => b.get(key) === revision)
}
