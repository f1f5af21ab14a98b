/**
 * Watch-stream checking. A watcher must see every committed change under its prefix exactly
 * once, in revision order, with nothing invented. Linearizability of the key-value operations
 * says nothing about this, so it is checked separately, from the events a watcher received
 * and the revisions known to have been committed under the prefix.
 *
 * One revision can carry several events (a transaction writing several keys), so duplicates
 * are (revision, key) pairs seen twice, and order is non-decreasing revision.
 */
export interface WatchEvent {
  revision: number
  key: string
  type: 'put' | 'delete'
}

export interface WatchCheckOptions {
  /** The watch started here: committed revisions below it are not expected. Default: the first received. */
  fromRevision?: number
  /**
   * The watcher should have caught up to here (e.g. the store's revision when the test
   * stopped and the watcher drained). Default: the last revision received, so a watcher that
   * simply has not caught up yet is not reported as having gaps.
   */
  throughRevision?: number
}

export interface WatchReport {
  ok: boolean
  /** Events whose revision is lower than one received before them (index into the stream). */
  outOfOrder: { index: number; revision: number; after: number }[]
  /** Events received more than once (index of each repeat). */
  duplicates: { index: number; revision: number; key: string }[]
  /** Committed revisions in [from, through] that never arrived. */
  gaps: number[]
  /** Events at revisions that were never committed under the prefix. */
  unknown: { index: number; revision: number; key: string }[]
}

export function checkWatchStream(
  events: readonly WatchEvent[],
  committed: Iterable<number>,
  options: WatchCheckOptions = {},
): WatchReport {
  const committedSet = new Set(committed)
  const outOfOrder: WatchReport['outOfOrder'] = []
  const duplicates: WatchReport['duplicates'] = []
  const unknown: WatchReport['unknown'] = []
  const seen = new Set<string>()
  const received = new Set<number>()
  let highest = -Infinity
  events.forEach((event, index) => {
    if (event.revision < highest) outOfOrder.push({ index, revision: event.revision, after: highest })
    highest = Math.max(highest, event.revision)
    const id = `${event.revision}\u0000${event.key}`
    if (seen.has(id)) duplicates.push({ index, revision: event.revision, key: event.key })
    seen.add(id)
    received.add(event.revision)
    if (!committedSet.has(event.revision)) unknown.push({ index, revision: event.revision, key: event.key })
  })
  let lowest = Infinity
  for (const r of received) lowest = Math.min(lowest, r)
  const from = options.fromRevision ?? lowest
  const through = options.throughRevision ?? highest
  const gaps = [...committedSet].filter((r) => r >= from && r <= through && !received.has(r)).sort((a, b) => a - b)
  const ok = outOfOrder.length === 0 && duplicates.length === 0 && gaps.length === 0 && unknown.length === 0
  return { ok, outOfOrder, duplicates, gaps, unknown }
}

/** One line per problem, for assertion messages. */
export function describeWatchReport(report: WatchReport): string {
  if (report.ok) return 'watch stream ok'
  return [
    ...report.outOfOrder.map((e) => `event #${e.index} at revision ${e.revision} arrived after revision ${e.after}`),
    ...report.duplicates.map((e) => `event #${e.index} (${e.key} @${e.revision}) is a duplicate`),
    ...(report.gaps.length > 0 ? [`committed revisions never delivered: ${report.gaps.join(', ')}`] : []),
    ...report.unknown.map((e) => `event #${e.index} (${e.key} @${e.revision}) is at a revision never committed under the prefix`),
  ].join('\n')
}
