/**
 * One resumable watch, the statechart both watch clients share (the store client's watches of a
 * replica, the ApiClient's watches of an apiserver). No I/O and no timers: the adapter feeds it
 * what happened (an opening attempt, the open answer, a push, a keepalive answer, a cancel) and
 * carries out what comes back (deliver, cancel an incarnation at its server, re-open, fail).
 *
 *   opening ──opened──▶ streaming ──gap (seq, keepalive, lost push, overflow)──▶ gap
 *   gap ──attempt──▶ reopening ──opened──▶ streaming
 *   opening, reopening ──openFailed (final)──▶ failed;  streaming ──an ending event (410)──▶ failed
 *   streaming ──gap the cursor cannot resume from──▶ failed (its owner starts over: relists)
 *   any ──cancel──▶ cancelled
 *
 * Each opening attempt is an incarnation with a fresh watchId; its server numbers pushes 1, 2, 3...
 * A push counts only for the incarnation it names: one of an abandoned incarnation carries another
 * numbering, and taking it would make the new incarnation's own push of that number look like a
 * duplicate. Pushes that overtake the open answer are held and replayed in seq order once it comes.
 * A gap shows by sequence (a push beyond the next), by a keepalive naming the watch missing, or by a
 * keepalive's `pushedUpTo`: the last push before a quiet spell has no successor to reveal its loss,
 * so a push the server reports sent that has still not arrived by the keepalive after is lost.
 *
 * What an event's position is, which events are new after it and whether an event ends the stream
 * is the {@link WatchCursor}'s business (a store revision and sub, a resourceVersion).
 */

export type WatchPhase = 'opening' | 'streaming' | 'gap' | 'reopening' | 'failed' | 'cancelled'

/** A numbered push of one incarnation. */
export interface WatchPush<E> {
  readonly watchId: string
  readonly seq: number
  readonly events: readonly E[]
  /** The server that sent it: a retried open may have opened the incarnation at two of them. */
  readonly sender?: string
  /** The server ended the incarnation with this push (why); the watch resumes. */
  readonly lost?: string
}

/** How the stream ends inside a push: for good, or to resume (`elsewhere`: at another server). */
export type WatchEnd = { readonly type: 'failed'; readonly error: Error } | { readonly type: 'resume'; readonly reason: string; readonly elsewhere: boolean }

export interface WatchCursor<E, P, A> {
  /** The position once the server answered the open with `answer` (where it started). */
  started(position: P, answer: A): P
  /** The events of a push not delivered yet, the position after them, and an end if one of them ends the stream. */
  take(position: P, events: readonly E[]): { readonly fresh: readonly E[]; readonly position: P; readonly end?: WatchEnd }
  /**
   * Where a re-opening after a gap starts (absent: where the stream stands), or why no re-opening
   * can deliver what the gap lost (say, the current objects a watch from now began with, when
   * some were already delivered): the watch then fails, and its owner starts over. `gap`: what
   * was lost, for the error.
   */
  resumed?(position: P, gap: string): WatchResume<P>
}

/** A gap's outcome: re-open `from` a position, or fail with `error`. */
export type WatchResume<P> = { readonly from: P } | { readonly error: Error }

export type WatchInput<E, P, A, M extends WatchPush<E>> =
  /** The adapter is opening incarnation `watchId` (from {@link ResumableWatch.position}). */
  | { readonly type: 'attempt'; readonly watchId: string }
  | { readonly type: 'opened'; readonly watchId: string; readonly server: string; readonly answer: A }
  /** `final`: no retry (refused, or a first open that found nobody); else the adapter attempts again, from `position` if given. */
  | { readonly type: 'openFailed'; readonly watchId: string; readonly error: Error; readonly final: boolean; readonly position?: P }
  | { readonly type: 'push'; readonly push: M }
  /** A keepalive answer for incarnation `watchId`: `missing` at its server, or pushes sent up to `pushedUpTo`. */
  | { readonly type: 'keepAlive'; readonly watchId: string; readonly missing: boolean; readonly pushedUpTo?: number }
  | { readonly type: 'keepAliveFailed'; readonly watchId: string }
  | { readonly type: 'cancel' }

export type WatchEffect<E, M extends WatchPush<E>> =
  | { readonly type: 'deliver'; readonly events: readonly E[]; readonly push: M }
  /** Release incarnation `watchId` at `server` (it may still be pushing). */
  | { readonly type: 'cancel'; readonly server: string; readonly watchId: string }
  /** Open a new incarnation (then `attempt`), at `server` again or, `elsewhere`, at another. */
  | { readonly type: 'reopen'; readonly reason: string; readonly server: string; readonly elsewhere: boolean }
  | { readonly type: 'fail'; readonly error: Error }

/** Pushes held while waiting for the open answer; beyond that the watch is re-opened instead. */
export const MAX_BUFFERED_PUSHES = 1024

export class ResumableWatch<E, P, A, M extends WatchPush<E> = WatchPush<E>> {
  readonly #cursor: WatchCursor<E, P, A>
  #phase: WatchPhase = 'opening'
  #watchId = ''
  #server = ''
  #position: P
  #nextSeq = 1
  /** A push the server said it sent that had not arrived then: still missing at the next keepalive, it was lost. */
  #awaitedSeq = 0
  #buffer: M[] = []
  #overflowed = false
  /** Servers found pushing this incarnation besides the one that answered (each cancelled once). */
  #strays = new Set<string>()

  constructor(cursor: WatchCursor<E, P, A>, position: P) {
    this.#cursor = cursor
    this.#position = position
  }

  get phase(): WatchPhase {
    return this.#phase
  }

  /** The current (or last) incarnation. */
  get watchId(): string {
    return this.#watchId
  }

  /** The server that answered the current incarnation. */
  get server(): string {
    return this.#server
  }

  /** Where the stream stands: what the next opening resumes from. */
  get position(): P {
    return this.#position
  }

  get streaming(): boolean {
    return this.#phase === 'streaming'
  }

  /** Ended for good (failed or cancelled): nothing more happens. */
  get ended(): boolean {
    return this.#phase === 'failed' || this.#phase === 'cancelled'
  }

  step(input: WatchInput<E, P, A, M>): WatchEffect<E, M>[] {
    switch (input.type) {
      case 'attempt':
        return this.#attempt(input.watchId)
      case 'opened':
        return this.#opened(input.watchId, input.server, input.answer)
      case 'openFailed':
        return this.#openFailed(input)
      case 'push':
        return this.#push(input.push)
      case 'keepAlive':
        return this.#keepAlive(input.watchId, input.missing, input.pushedUpTo)
      case 'keepAliveFailed':
        return this.#current(input.watchId) ? this.#gap('keepalive failed', false, true) : []
      case 'cancel':
        return this.#cancel()
    }
  }

  #attempt(watchId: string): WatchEffect<E, M>[] {
    if (this.ended) return []
    if (this.#phase === 'streaming') throw new Error(`watch ${this.#watchId}: attempt while streaming`)
    this.#phase = this.#phase === 'opening' ? 'opening' : 'reopening'
    this.#watchId = watchId
    this.#nextSeq = 1
    this.#awaitedSeq = 0
    this.#buffer = []
    this.#overflowed = false
    this.#strays = new Set()
    return []
  }

  #opened(watchId: string, server: string, answer: A): WatchEffect<E, M>[] {
    if (watchId !== this.#watchId) return []
    // Cancelled while the answer was on its way: release what the server opened.
    if (this.#phase === 'cancelled') return [{ type: 'cancel', server, watchId }]
    if (this.#phase !== 'opening' && this.#phase !== 'reopening') return []
    this.#server = server
    this.#position = this.#cursor.started(this.#position, answer)
    this.#phase = 'streaming'
    const buffered = this.#buffer.sort((a, b) => a.seq - b.seq)
    this.#buffer = []
    if (this.#overflowed) return this.#gap(`more than ${MAX_BUFFERED_PUSHES} pushes overtook the open answer`, true, false)
    // After a gap among them, the rest count for nothing (#push takes pushes while streaming only).
    return buffered.flatMap((push) => this.#push(push))
  }

  #openFailed(input: { readonly watchId: string; readonly error: Error; readonly final: boolean; readonly position?: P }): WatchEffect<E, M>[] {
    if (input.watchId !== this.#watchId || (this.#phase !== 'opening' && this.#phase !== 'reopening')) return []
    if (input.final) {
      this.#phase = 'failed'
      return [{ type: 'fail', error: input.error }]
    }
    // Still opening: the adapter attempts again (a fresh incarnation, so pushes of this one are dropped).
    if (input.position !== undefined) this.#position = input.position
    return []
  }

  #push(push: M): WatchEffect<E, M>[] {
    if (push.watchId !== this.#watchId || this.ended) return []
    if (this.#phase === 'opening' || this.#phase === 'reopening') {
      if (this.#buffer.length < MAX_BUFFERED_PUSHES) this.#buffer.push(push)
      else this.#overflowed = true
      return []
    }
    if (this.#phase !== 'streaming') return []
    if (push.sender !== undefined && push.sender !== this.#server) return this.#stray(push.sender)
    if (push.seq < this.#nextSeq) return [] // a duplicate
    if (push.seq > this.#nextSeq) return this.#gap(`push ${push.seq} arrived, expected ${this.#nextSeq}`, true, false)
    this.#nextSeq++
    const taken = this.#cursor.take(this.#position, push.events)
    this.#position = taken.position
    const effects: WatchEffect<E, M>[] = taken.fresh.length > 0 ? [{ type: 'deliver', events: taken.fresh, push }] : []
    if (taken.end?.type === 'failed') {
      this.#phase = 'failed'
      effects.push({ type: 'fail', error: taken.end.error })
    } else if (taken.end?.type === 'resume') effects.push(...this.#gap(taken.end.reason, false, taken.end.elsewhere))
    else if (push.lost !== undefined) effects.push(...this.#gap(`the server ended it (${push.lost})`, false, false))
    return effects
  }

  /** A retried open made another server push this incarnation too: follow the one that answered. */
  #stray(sender: string): WatchEffect<E, M>[] {
    if (this.#strays.has(sender)) return []
    this.#strays.add(sender)
    return [{ type: 'cancel', server: sender, watchId: this.#watchId }]
  }

  /**
   * The server has sent pushes up to `pushedUpTo` (as of a keepalive). One may still be in flight,
   * so a push is taken for lost only when it is still missing at the keepalive after.
   */
  #keepAlive(watchId: string, missing: boolean, pushedUpTo: number | undefined): WatchEffect<E, M>[] {
    if (!this.#current(watchId)) return []
    if (missing) return this.#gap('the server no longer has the watch', false, false)
    if (pushedUpTo === undefined) return []
    if (this.#awaitedSeq >= this.#nextSeq) return this.#gap(`push ${this.#nextSeq} of ${this.#awaitedSeq} never arrived`, true, false)
    this.#awaitedSeq = pushedUpTo >= this.#nextSeq ? pushedUpTo : 0
    return []
  }

  /** Whether `watchId` is the incarnation now streaming (answers about older ones are stale). */
  #current(watchId: string): boolean {
    return this.#phase === 'streaming' && watchId === this.#watchId
  }

  /**
   * Abandons the incarnation (releasing it at its server if it may still be serving it) and asks
   * for another, or fails when the cursor says no other can make up for what was lost.
   */
  #gap(reason: string, release: boolean, elsewhere: boolean): WatchEffect<E, M>[] {
    this.#buffer = []
    const resume = this.#cursor.resumed?.(this.#position, reason) ?? { from: this.#position }
    const effects: WatchEffect<E, M>[] = release ? [{ type: 'cancel', server: this.#server, watchId: this.#watchId }] : []
    if ('error' in resume) {
      this.#phase = 'failed'
      effects.push({ type: 'fail', error: resume.error })
      return effects
    }
    this.#phase = 'gap'
    this.#position = resume.from
    effects.push({ type: 'reopen', reason, server: this.#server, elsewhere })
    return effects
  }

  #cancel(): WatchEffect<E, M>[] {
    if (this.ended) return []
    const streaming = this.#phase === 'streaming'
    this.#phase = 'cancelled'
    this.#buffer = []
    return streaming ? [{ type: 'cancel', server: this.#server, watchId: this.#watchId }] : []
  }
}

/** A keepalive answer as it comes off the wire: `missing` ids, and `lastSeqs[i]` the last push sent to the i-th id asked about. */
export type KeepAliveAnswer = { readonly [field: string]: unknown }

/** Reads a keepalive answer into one input per id asked about (none when it is malformed). */
export function keepAliveInputs(watchIds: readonly string[], reply: KeepAliveAnswer): { readonly type: 'keepAlive'; readonly watchId: string; readonly missing: boolean; readonly pushedUpTo?: number }[] {
  if (!Array.isArray(reply.missing)) return []
  const missing = new Set<unknown>(reply.missing)
  const lastSeqs: unknown[] = Array.isArray(reply.lastSeqs) ? reply.lastSeqs : []
  return watchIds.map((watchId, i) => {
    const last = lastSeqs[i]
    return { type: 'keepAlive', watchId, missing: missing.has(watchId), ...(typeof last === 'number' ? { pushedUpTo: last } : {}) }
  })
}

/** The streaming watches grouped by the server serving them: one keepalive per server. */
export function streamingByServer<W extends { readonly streaming: boolean; readonly server: string }>(watches: Iterable<W>): Map<string, W[]> {
  const byServer = new Map<string, W[]>()
  for (const w of watches) {
    if (!w.streaming) continue
    const list = byServer.get(w.server)
    if (list) list.push(w)
    else byServer.set(w.server, [w])
  }
  return byServer
}
