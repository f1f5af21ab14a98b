/**
 * The event list the search walks: every operation becomes a call entry and a return entry,
 * sorted by time, in a doubly linked list. Linearizing an operation "lifts" both its entries
 * out of the list; backtracking splices them back in the same places, which is O(1) because
 * a lifted node remembers its neighbours (dancing links).
 */
import type { Operation } from './model.ts'

export interface Entry {
  /** Operation index in the sub-history. */
  readonly id: number
  readonly time: number
  /** For a call entry, its return entry; undefined marks a return entry. */
  readonly match: Entry | undefined
  prev: Entry | undefined
  next: Entry | undefined
}

/** Builds the list and returns its sentinel head (head.next is the first event). */
export function makeEntries<I, O>(operations: readonly Operation<I, O>[]): Entry {
  const events: { entry: Entry; isCall: boolean; order: number }[] = []
  operations.forEach((op, id) => {
    const ret = op.return === undefined ? Infinity : op.return
    if (!(ret >= op.call)) throw new RangeError(`operation ${id} returns (${ret}) before its call (${op.call})`)
    const returnEntry: Entry = { id, time: ret, match: undefined, prev: undefined, next: undefined }
    const callEntry: Entry = { id, time: op.call, match: returnEntry, prev: undefined, next: undefined }
    events.push({ entry: callEntry, isCall: true, order: events.length })
    events.push({ entry: returnEntry, isCall: false, order: events.length })
  })
  // At equal times calls sort before returns: intervals that merely touch count as concurrent,
  // the permissive choice when clock resolution cannot tell the two apart.
  events.sort((a, b) =>
    a.entry.time !== b.entry.time ? a.entry.time - b.entry.time
      : a.isCall !== b.isCall ? (a.isCall ? -1 : 1)
      : a.order - b.order,
  )
  const head: Entry = { id: -1, time: -Infinity, match: undefined, prev: undefined, next: undefined }
  let last = head
  for (const { entry } of events) {
    last.next = entry
    entry.prev = last
    last = entry
  }
  return head
}

/** Removes a call entry and its return entry from the list. */
export function lift(entry: Entry): void {
  const match = entry.match!
  entry.prev!.next = entry.next
  entry.next!.prev = entry.prev
  match.prev!.next = match.next
  if (match.next !== undefined) match.next.prev = match.prev
}

/** Undoes `lift`: return entry first, then the call, restoring the exact previous links. */
export function unlift(entry: Entry): void {
  const match = entry.match!
  match.prev!.next = match
  if (match.next !== undefined) match.next.prev = match
  entry.prev!.next = entry
  entry.next!.prev = entry
}
