/**
 * Watch events as the lines of a watch response. Watchers served from the watch cache share the
 * event objects, so each object is serialized once however many watchers it goes to (Kubernetes
 * caches serializations in its watch cache for the same reason).
 */
import type { WatchStreamEvent } from '../../actors/apiserver/http/api-request.ts'

const serialized = new WeakMap<object, string>()

function jsonOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value)
  let text = serialized.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    serialized.set(value, text)
  }
  return text
}

/** `{"type":...,"object":...}\n` per event, as one chunk. */
export function watchLines(events: readonly WatchStreamEvent[]): string {
  let out = ''
  for (const e of events) out += `{"type":${JSON.stringify(e.type)},"object":${jsonOf(e.object)}}\n`
  return out
}
