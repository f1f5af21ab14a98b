/**
 * The resumable watch statechart (actors/kit/resumable-watch.ts), once for both watch clients:
 * inputs in, effects out. Events here are revisions (numbers); -410 is a "410 Gone" error event
 * and -500 an error event after which the stream resumes at another server.
 */
import t from 'tap'
import { keepAliveInputs, MAX_BUFFERED_PUSHES, ResumableWatch, streamingByServer, type WatchCursor, type WatchEnd, type WatchPush } from '../../actors/kit/resumable-watch.ts'

class Gone extends Error {}

/** Position: the last revision delivered; -1 until the open answer says where the watch starts. */
const revisions: WatchCursor<number, number, number> = {
  started: (position, answer) => (position < 0 ? answer : position),
  take(position, events) {
    const fresh: number[] = []
    let end: WatchEnd | undefined
    for (const e of events) {
      if (e === -410) end = { type: 'failed', error: new Gone('too old') }
      else if (e === -500) end = { type: 'resume', reason: 'internal error', elsewhere: true }
      if (end) break
      if (e > position) fresh.push((position = e))
    }
    return { fresh, position, ...(end ? { end } : {}) }
  },
}

const push = (watchId: string, seq: number, events: number[], extra: Partial<WatchPush<number>> = {}): { type: 'push'; push: WatchPush<number> } => ({ type: 'push', push: { watchId, seq, events, ...extra } })

/** A watch opened as incarnation w0 at s1, streaming from revision 10. */
function streaming(): ResumableWatch<number, number, number> {
  const w = new ResumableWatch(revisions, -1)
  w.step({ type: 'attempt', watchId: 'w0' })
  w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 10 })
  return w
}

const delivered = (effects: ReturnType<ResumableWatch<number, number, number>['step']>) => effects.flatMap((e) => (e.type === 'deliver' ? e.events : []))

t.test('resumable watch - an in-order stream is delivered as it comes', async (t) => {
  const w = new ResumableWatch(revisions, -1)
  t.equal(w.phase, 'opening')
  t.same(w.step({ type: 'attempt', watchId: 'w0' }), [])
  t.same(w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 10 }), [])
  t.equal(w.phase, 'streaming')
  t.equal(w.position, 10, 'the open answer says where a watch from now starts')
  t.same(delivered(w.step(push('w0', 1, [11]))), [11])
  t.same(delivered(w.step(push('w0', 2, [12, 13]))), [12, 13])
  t.equal(w.position, 13)
  t.equal(w.server, 's1')
})

t.test('resumable watch - a watch from a revision keeps it when the server answers', async (t) => {
  const w = new ResumableWatch(revisions, 4)
  w.step({ type: 'attempt', watchId: 'w0' })
  w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 10 })
  t.equal(w.position, 4)
  t.same(delivered(w.step(push('w0', 1, [5, 6]))), [5, 6])
})

t.test('resumable watch - pushes that overtake the open answer are held, then replayed in seq order', async (t) => {
  const w = new ResumableWatch(revisions, 0)
  w.step({ type: 'attempt', watchId: 'w0' })
  t.same(w.step(push('w0', 2, [2])), [], 'nothing delivered before the answer')
  t.same(w.step(push('w0', 1, [1])), [])
  t.same(delivered(w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 2 })), [1, 2])
  t.same(delivered(w.step(push('w0', 3, [3]))), [3])
})

t.test('resumable watch - too many pushes ahead of the open answer re-open the watch', async (t) => {
  const w = new ResumableWatch(revisions, 0)
  w.step({ type: 'attempt', watchId: 'w0' })
  for (let seq = 1; seq <= MAX_BUFFERED_PUSHES + 1; seq++) w.step(push('w0', seq, [seq]))
  t.match(w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 0 }), [
    { type: 'cancel', server: 's1', watchId: 'w0' },
    { type: 'reopen', server: 's1', elsewhere: false },
  ])
  t.equal(w.position, 0, 'nothing delivered: resumes from where it was')
})

t.test('resumable watch - pushes of an abandoned incarnation never count for the new one', async (t) => {
  // The store's chaos seed 1957142857: A's pushes 1, 3 and 4 overtook its answer. Replaying them,
  // 3 shows the gap; 4 must not land among B's pushes, where it would take B's number 4.
  const w = new ResumableWatch(revisions, 0)
  w.step({ type: 'attempt', watchId: 'A' })
  w.step(push('A', 1, [1]))
  w.step(push('A', 3, [3]))
  w.step(push('A', 4, [4]))
  const effects = w.step({ type: 'opened', watchId: 'A', server: 's1', answer: 6 })
  t.same(delivered(effects), [1])
  t.match(effects.at(-1), { type: 'reopen', reason: 'push 3 arrived, expected 2' })
  t.equal(w.phase, 'gap')
  t.same(w.step(push('A', 4, [4])), [], 'a late push of A while no incarnation is open')
  w.step({ type: 'attempt', watchId: 'B' })
  t.equal(w.phase, 'reopening')
  t.same(w.step(push('A', 2, [2])), [], 'A\'s push 2, arriving late, is not buffered for B')
  w.step(push('B', 4, [6]))
  w.step(push('B', 1, [1, 2, 3]))
  w.step(push('B', 3, [5]))
  w.step(push('B', 2, [4]))
  t.same(delivered(w.step({ type: 'opened', watchId: 'B', server: 's1', answer: 6 })), [2, 3, 4, 5, 6])
  t.same(w.step(push('A', 5, [7])), [], 'nor once B streams')
})

t.test('resumable watch - a seq gap releases the incarnation and resumes from the last delivered', async (t) => {
  const w = streaming()
  w.step(push('w0', 1, [11]))
  const effects = w.step(push('w0', 3, [13]))
  t.same(effects, [
    { type: 'cancel', server: 's1', watchId: 'w0' },
    { type: 'reopen', reason: 'push 3 arrived, expected 2', server: 's1', elsewhere: false },
  ])
  t.equal(w.phase, 'gap')
  t.equal(w.position, 11, 'the resume point')
  t.same(w.step(push('w0', 2, [12])), [], 'the late push of the abandoned incarnation is dropped')
  w.step({ type: 'attempt', watchId: 'w1' })
  w.step({ type: 'opened', watchId: 'w1', server: 's1', answer: 13 })
  t.equal(w.position, 11, 'a resumed watch keeps its position whatever the server started at')
  t.same(delivered(w.step(push('w1', 1, [12, 13]))), [12, 13])
})

t.test('resumable watch - a cursor may move the resume point at a gap (the initial objects start over)', async (t) => {
  const w = new ResumableWatch({ ...revisions, resumed: () => ({ from: -1 }) }, -1)
  w.step({ type: 'attempt', watchId: 'w0' })
  w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 10 })
  w.step(push('w0', 1, [11]))
  w.step({ type: 'keepAlive', watchId: 'w0', missing: true })
  t.equal(w.position, -1)
  w.step({ type: 'attempt', watchId: 'w1' })
  w.step({ type: 'opened', watchId: 'w1', server: 's1', answer: 20 })
  t.equal(w.position, 20, 'from where the new incarnation started')
})

t.test('resumable watch - a gap the cursor cannot resume from fails the watch, releasing the incarnation', async (t) => {
  const lost = new Gone('the objects it began with')
  const w = new ResumableWatch({ ...revisions, resumed: (_position, gap) => ({ error: new Gone(`${lost.message}: ${gap}`) }) }, -1)
  w.step({ type: 'attempt', watchId: 'w0' })
  w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 10 })
  w.step(push('w0', 1, [11]))
  const effects = w.step(push('w0', 3, [13]))
  t.same(effects.map((e) => e.type), ['cancel', 'fail'], 'no re-opening')
  t.match(effects[1], { type: 'fail', error: { message: 'the objects it began with: push 3 arrived, expected 2' } })
  t.equal(w.phase, 'failed')
  t.same(w.step(push('w0', 2, [12])), [], 'nothing after')
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: true }), [])
})

t.test('resumable watch - a lost last push is revealed by the keepalive after the one that reported it', async (t) => {
  const w = streaming()
  w.step(push('w0', 1, [11]))
  // Push 2 was sent and lost; nothing follows it.
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: false, pushedUpTo: 2 }), [], 'push 2 may still be in flight')
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: false, pushedUpTo: 2 }), [
    { type: 'cancel', server: 's1', watchId: 'w0' },
    { type: 'reopen', reason: 'push 2 of 2 never arrived', server: 's1', elsewhere: false },
  ])
  t.equal(w.position, 11)
})

t.test('resumable watch - a push in flight at a keepalive is not taken for lost', async (t) => {
  const w = streaming()
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: false, pushedUpTo: 1 }), [])
  t.same(delivered(w.step(push('w0', 1, [11]))), [11], 'arrives after that keepalive')
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: false, pushedUpTo: 1 }), [])
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: false, pushedUpTo: 1 }), [])
  t.equal(w.phase, 'streaming')
  t.same(w.step({ type: 'keepAlive', watchId: 'w0', missing: false }), [], 'a server that does not report its last push')
})

t.test('resumable watch - keepalive answers: missing re-opens there, a failure elsewhere, stale ones count for nothing', async (t) => {
  const missing = streaming()
  t.same(missing.step({ type: 'keepAlive', watchId: 'w0', missing: true }), [{ type: 'reopen', reason: 'the server no longer has the watch', server: 's1', elsewhere: false }])
  const silent = streaming()
  t.same(silent.step({ type: 'keepAliveFailed', watchId: 'w0' }), [{ type: 'reopen', reason: 'keepalive failed', server: 's1', elsewhere: true }])
  const stale = streaming()
  stale.step(push('w0', 3, [13]))
  stale.step({ type: 'attempt', watchId: 'w1' })
  stale.step({ type: 'opened', watchId: 'w1', server: 's2', answer: 13 })
  t.same(stale.step({ type: 'keepAlive', watchId: 'w0', missing: true }), [], 'about the abandoned incarnation')
  t.same(stale.step({ type: 'keepAliveFailed', watchId: 'w0' }), [])
  t.equal(stale.phase, 'streaming')
})

t.test('resumable watch - duplicates are dropped, by seq and by position', async (t) => {
  const w = streaming()
  t.same(delivered(w.step(push('w0', 1, [11, 12]))), [11, 12])
  t.same(w.step(push('w0', 1, [11, 12])), [], 'the same push again')
  t.same(delivered(w.step(push('w0', 2, [12, 13]))), [13], 'events already delivered are cut off')
  t.same(w.step(push('w0', 3, [13])), [], 'a push with nothing new delivers nothing')
  t.equal(w.phase, 'streaming')
})

t.test('resumable watch - a push from a second server the retried open reached is dropped and released there', async (t) => {
  const w = streaming()
  t.same(w.step(push('w0', 1, [11], { sender: 's2' })), [{ type: 'cancel', server: 's2', watchId: 'w0' }])
  t.same(w.step(push('w0', 2, [12], { sender: 's2' })), [], 'released once')
  t.same(delivered(w.step(push('w0', 1, [11], { sender: 's1' }))), [11])
})

t.test('resumable watch - a push that ends the incarnation resumes after delivering it', async (t) => {
  const w = streaming()
  const effects = w.step(push('w0', 1, [11], { lost: 'snapshot' }))
  t.same(delivered(effects), [11])
  t.match(effects.at(-1), { type: 'reopen', reason: 'the server ended it (snapshot)', elsewhere: false })
  t.equal(effects.filter((e) => e.type === 'cancel').length, 0, 'the server ended it already')
})

t.test('resumable watch - compaction: 410 in the stream or at a re-open fails the watch for a relist', async (t) => {
  const inStream = streaming()
  const effects = inStream.step(push('w0', 1, [11, -410, 12]))
  t.same(delivered(effects), [11], 'what came before the error')
  t.match(effects.at(-1), { type: 'fail', error: { message: 'too old' } })
  t.equal(inStream.phase, 'failed')
  t.same(inStream.step(push('w0', 2, [13])), [], 'nothing after')
  t.same(inStream.step({ type: 'keepAlive', watchId: 'w0', missing: true }), [])

  const atReopen = streaming()
  atReopen.step({ type: 'keepAlive', watchId: 'w0', missing: true })
  atReopen.step({ type: 'attempt', watchId: 'w1' })
  t.same(atReopen.step({ type: 'openFailed', watchId: 'w1', error: new Error('unreachable'), final: false, position: 10 }), [], 'a failure worth another attempt')
  t.equal(atReopen.position, 10, 'from the position the adapter chose (a compacted partial revision skipped)')
  atReopen.step({ type: 'attempt', watchId: 'w2' })
  const gone = new Gone('compacted')
  t.same(atReopen.step({ type: 'openFailed', watchId: 'w2', error: gone, final: true }), [{ type: 'fail', error: gone }])
  t.ok(atReopen.ended)
  t.same(atReopen.step({ type: 'attempt', watchId: 'w3' }), [])
  t.equal(atReopen.phase, 'failed')
})

t.test('resumable watch - an error event that is not 410 resumes elsewhere', async (t) => {
  const w = streaming()
  const effects = w.step(push('w0', 1, [11, -500]))
  t.same(delivered(effects), [11])
  t.match(effects.at(-1), { type: 'reopen', reason: 'internal error', server: 's1', elsewhere: true })
})

t.test('resumable watch - a failed attempt\'s pushes are not buffered for the next', async (t) => {
  const w = new ResumableWatch(revisions, 0)
  w.step({ type: 'attempt', watchId: 'w0' })
  w.step({ type: 'openFailed', watchId: 'w0', error: new Error('timeout'), final: false })
  t.same(w.step(push('w0', 1, [1])), [])
  w.step({ type: 'attempt', watchId: 'w1' })
  t.same(w.step({ type: 'opened', watchId: 'w0', server: 's1', answer: 0 }), [], 'a late answer to the failed attempt')
  t.equal(w.phase, 'opening')
  w.step(push('w1', 1, [2]))
  t.same(delivered(w.step({ type: 'opened', watchId: 'w1', server: 's2', answer: 0 })), [2])
})

t.test('resumable watch - cancel releases the incarnation and ends the watch', async (t) => {
  const w = streaming()
  t.same(w.step({ type: 'cancel' }), [{ type: 'cancel', server: 's1', watchId: 'w0' }])
  t.ok(w.ended)
  t.same(w.step(push('w0', 1, [11])), [], 'a push already on its way')
  t.same(w.step({ type: 'cancel' }), [], 'twice is once')

  const opening = new ResumableWatch(revisions, 0)
  opening.step({ type: 'attempt', watchId: 'w0' })
  t.same(opening.step({ type: 'cancel' }), [], 'nothing to release yet')
  t.same(opening.step({ type: 'opened', watchId: 'w0', server: 's3', answer: 5 }), [{ type: 'cancel', server: 's3', watchId: 'w0' }], 'released when the answer comes')
  t.equal(opening.phase, 'cancelled')
})

t.test('resumable watch - keepalive answers from the wire, and one keepalive per server', async (t) => {
  t.same(keepAliveInputs(['a', 'b', 'c'], { missing: ['b'], lastSeqs: [3, 0, 'x'] }), [
    { type: 'keepAlive', watchId: 'a', missing: false, pushedUpTo: 3 },
    { type: 'keepAlive', watchId: 'b', missing: true, pushedUpTo: 0 },
    { type: 'keepAlive', watchId: 'c', missing: false },
  ])
  t.same(keepAliveInputs(['a'], { missing: ['a'] }), [{ type: 'keepAlive', watchId: 'a', missing: true }], 'a server that does not send lastSeqs')
  t.same(keepAliveInputs(['a'], { missing: 'nope' }), [], 'malformed')
  const a = streaming()
  const b = streaming()
  const c = new ResumableWatch(revisions, 0)
  b.step({ type: 'keepAliveFailed', watchId: 'w0' })
  b.step({ type: 'attempt', watchId: 'w1' })
  b.step({ type: 'opened', watchId: 'w1', server: 's2', answer: 0 })
  t.same([...streamingByServer([a, b, c])], [['s1', [a]], ['s2', [b]]], 'the opening one has no server yet')
})
