/**
 * The controller manager's work queue, client-go's workqueue as a value: a dirty set, a running
 * set and delayed items (AddAfter). An item is reconciled by one worker at a time; marked while
 * it runs, it stays dirty and is handed out again once `finish` says the run is over, so the
 * next run sees the change. Items are strings (`work-id.ts` names them). Pure: every step
 * returns a new queue and leaves its input alone.
 */

export interface WorkQueue {
  /** Items to reconcile; those also running wait for their run to finish. */
  readonly dirty: ReadonlySet<string>
  readonly running: ReadonlySet<string>
  /** Items to mark dirty at a time (epoch ms), the earliest asked for. */
  readonly delayed: ReadonlyMap<string, number>
}

export const EMPTY_QUEUE: WorkQueue = { dirty: new Set(), running: new Set(), delayed: new Map() }

export function markDirty(queue: WorkQueue, item: string): WorkQueue {
  if (queue.dirty.has(item)) return queue
  return { ...queue, dirty: new Set(queue.dirty).add(item) }
}

/** Marks `item` dirty at `at` (an earlier request wins). */
export function markAt(queue: WorkQueue, item: string, at: number): WorkQueue {
  const pending = queue.delayed.get(item)
  if (pending !== undefined && pending <= at) return queue
  return { ...queue, delayed: new Map(queue.delayed).set(item, at) }
}

/** Marks dirty the delayed items whose time has come. */
export function promoteDue(queue: WorkQueue, now: number): WorkQueue {
  let due: string[] | undefined
  for (const [item, at] of queue.delayed) if (at <= now) (due ??= []).push(item)
  if (due === undefined) return queue
  const delayed = new Map(queue.delayed)
  const dirty = new Set(queue.dirty)
  for (const item of due) {
    delayed.delete(item)
    dirty.add(item)
  }
  return { ...queue, dirty, delayed }
}

/** Hands out the dirty items that are not running; they are running from now on. */
export function takeReady(queue: WorkQueue): { readonly queue: WorkQueue; readonly ready: readonly string[] } {
  const ready: string[] = []
  const stillDirty = new Set<string>()
  for (const item of queue.dirty) {
    if (queue.running.has(item)) stillDirty.add(item)
    else ready.push(item)
  }
  if (ready.length === 0) return { queue, ready }
  const running = new Set(queue.running)
  for (const item of ready) running.add(item)
  return { queue: { ...queue, dirty: stillDirty, running }, ready }
}

/** The run of `item` is over; if it was marked meanwhile, the next `takeReady` hands it out. */
export function finish(queue: WorkQueue, item: string): WorkQueue {
  if (!queue.running.has(item)) return queue
  const running = new Set(queue.running)
  running.delete(item)
  return { ...queue, running }
}

/** When the earliest delayed item falls due; undefined if none waits. */
export function nextDelayed(queue: WorkQueue): number | undefined {
  let next: number | undefined
  for (const at of queue.delayed.values()) if (next === undefined || at < next) next = at
  return next
}
