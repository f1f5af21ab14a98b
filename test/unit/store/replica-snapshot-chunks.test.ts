/** snapshot-chunks.ts: a snapshot split into chunks comes back whole, or not at all. */
import t from 'tap'
import { chunkSnap, SnapAssembler } from '../../../actors/store/replica/snapshot-chunks.ts'
import type { Snap } from '../../../actors/store/raft/messages.ts'

const CHUNK = 8

function snap(size: number, opts: { from?: string; term?: number; index?: number } = {}): Snap {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (i * 7 + 3) & 0xff
  return { type: 'snap', from: opts.from ?? 's1', to: 's2', term: opts.term ?? 2, snapshot: { meta: { index: opts.index ?? 40, term: 2, voters: ['s1', 's2', 's3'] }, data } }
}

/** Feeds chunks in order; returns what the last accept gave and whether any earlier one gave something. */
function feed(asm: SnapAssembler, chunks: ReturnType<typeof chunkSnap>): Snap | undefined {
  let whole: Snap | undefined
  for (const [i, c] of chunks.entries()) {
    const out = asm.accept(c)
    if (out !== undefined && i < chunks.length - 1) throw new Error(`chunk ${i} of ${chunks.length} completed the transfer early`)
    whole = out
  }
  return whole
}

for (const [size, count] of [[0, 1], [1, 1], [CHUNK, 1], [CHUNK + 1, 2], [CHUNK * 3 + 5, 4], [CHUNK * 4, 4]] as const) {
  t.test(`snapshot chunks - ${size} bytes travel in ${count} chunk(s) and reassemble`, async (t) => {
    const m = snap(size)
    const chunks = chunkSnap(m, CHUNK)
    t.equal(chunks.length, count)
    for (const c of chunks) {
      t.ok(c.chunk.length <= CHUNK, 'no chunk is over the size')
      t.equal(c.total, size)
      t.equal((c.m as Snap).snapshot.data.length, 0, 'the header does not repeat the data')
    }
    t.same(chunks.map((c) => c.offset), Array.from({ length: count }, (_, i) => i * CHUNK))
    const whole = feed(new SnapAssembler(), chunks)
    t.ok(whole, 'the last chunk yields the message')
    t.same(whole!.snapshot.meta, m.snapshot.meta)
    t.same([...whole!.snapshot.data], [...m.snapshot.data], 'byte for byte')
    t.equal(whole!.from, 's1')
    t.equal(whole!.term, 2)
  })
}

t.test('snapshot chunks - the default chunk size is used without an argument', async (t) => {
  t.equal(chunkSnap(snap(1000)).length, 1)
})

t.test('snapshot chunks - a lost middle chunk yields nothing, even when the rest arrives', async (t) => {
  const chunks = chunkSnap(snap(CHUNK * 3), CHUNK)
  const asm = new SnapAssembler()
  t.equal(asm.accept(chunks[0]!), undefined)
  t.equal(asm.accept(chunks[2]!), undefined, 'the last chunk out of place does not complete it')
  // The transfer was dropped: the same chunks again from the start work.
  t.ok(feed(asm, chunks), 'the leader resending the whole snapshot succeeds')
})

t.test('snapshot chunks - a chunk arriving twice drops the transfer', async (t) => {
  const chunks = chunkSnap(snap(CHUNK * 3), CHUNK)
  const asm = new SnapAssembler()
  asm.accept(chunks[0]!)
  asm.accept(chunks[1]!)
  t.equal(asm.accept(chunks[1]!), undefined)
  t.equal(asm.accept(chunks[2]!), undefined, 'the transfer is gone, so its tail is ignored')
})

t.test('snapshot chunks - a new transfer from the same sender restarts assembly', async (t) => {
  const old = chunkSnap(snap(CHUNK * 3, { index: 40 }), CHUNK)
  const fresh = snap(CHUNK * 2 + 1, { index: 60 })
  const next = chunkSnap(fresh, CHUNK)
  const asm = new SnapAssembler()
  asm.accept(old[0]!)
  asm.accept(old[1]!)
  const whole = feed(asm, next)
  t.equal(whole?.snapshot.meta.index, 60)
  t.same([...whole!.snapshot.data], [...fresh.snapshot.data])
  t.equal(asm.accept(old[2]!), undefined, 'the abandoned transfer cannot complete')
})

t.test('snapshot chunks - a chunk of another transfer mid-way is dropped, not mixed in', async (t) => {
  const a = chunkSnap(snap(CHUNK * 3, { term: 2 }), CHUNK)
  const b = chunkSnap(snap(CHUNK * 3, { term: 3 }), CHUNK)
  const asm = new SnapAssembler()
  asm.accept(a[0]!)
  t.equal(asm.accept(b[1]!), undefined, 'b never started here')
  t.equal(asm.accept(a[1]!), undefined, 'a was not disturbed by the stray chunk')
  t.ok(asm.accept(a[2]!), 'a completes')
})

t.test('snapshot chunks - transfers from different senders assemble independently', async (t) => {
  const a = chunkSnap(snap(CHUNK * 2, { from: 's1' }), CHUNK)
  const b = chunkSnap(snap(CHUNK * 2, { from: 's3' }), CHUNK)
  const asm = new SnapAssembler()
  asm.accept(a[0]!)
  asm.accept(b[0]!)
  t.equal(asm.accept(b[1]!)?.from, 's3')
  t.equal(asm.accept(a[1]!)?.from, 's1')
})

t.test('snapshot chunks - a chunk past the announced total drops the transfer', async (t) => {
  const chunks = chunkSnap(snap(CHUNK * 2), CHUNK)
  const asm = new SnapAssembler()
  asm.accept(chunks[0]!)
  t.equal(asm.accept({ ...chunks[1]!, chunk: new Uint8Array(CHUNK + 1) }), undefined)
  t.equal(asm.accept(chunks[1]!), undefined, 'dropped: the genuine chunk finds no transfer')
})
