/** persist.ts: how several Raft steps' WAL writes combine, and which of them must be fsynced first. */
import t from 'tap'
import { isEmptyPersist, mergePersist, mustSync, type Persist } from '../../../actors/store/replica/persist.ts'
import type { Entry, Snapshot } from '../../../actors/store/raft/types.ts'

const entry = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: new Uint8Array([index, term]) })
const snapshot = (index: number): Snapshot => ({ meta: { index, term: 1, voters: ['s1', 's2', 's3'] }, data: new Uint8Array([9]) })
const at = (p: Persist): string[] => (p.entries ?? []).map((e) => `${e.index}@${e.term}`)

t.test('mergePersist - later entries overwrite the earlier ones from their first index on', async (t) => {
  const earlier: Persist = { entries: [entry(1, 1), entry(2, 1), entry(3, 1)] }
  // A new leader's entries conflict from index 2: the WAL truncates there, so must the merge.
  t.same(at(mergePersist(earlier, { entries: [entry(2, 2)] })), ['1@1', '2@2'], 'entry 3 of the old term is gone')
  t.same(at(mergePersist(earlier, { entries: [entry(4, 1), entry(5, 1)] })), ['1@1', '2@1', '3@1', '4@1', '5@1'], 'appending keeps everything')
  t.same(at(mergePersist(earlier, { entries: [entry(1, 3)] })), ['1@3'], 'overwriting from the first index replaces all')
  t.same(at(mergePersist(earlier, {})), ['1@1', '2@1', '3@1'], 'nothing new keeps the old entries')
})

t.test('mergePersist - a later snapshot replaces everything written before it', async (t) => {
  const earlier: Persist = { entries: [entry(1, 1), entry(2, 1)], hardState: { term: 1, vote: 's1', commit: 1 }, snapshot: snapshot(0) }
  // Installing a snapshot always moves the commit index, so the step that persists it carries a hard state too.
  const later: Persist = { snapshot: snapshot(10), hardState: { term: 2, vote: undefined, commit: 10 } }
  const merged = mergePersist(earlier, later)
  t.equal(merged.snapshot?.meta.index, 10)
  t.equal(merged.entries, undefined, 'entries before the snapshot are dropped')
  t.same(merged.hardState, later.hardState)
})

t.test('mergePersist - entries after an earlier snapshot keep the snapshot', async (t) => {
  const merged = mergePersist({ snapshot: snapshot(5) }, { entries: [entry(6, 2)] })
  t.equal(merged.snapshot?.meta.index, 5, 'the snapshot is still written first')
  t.same(at(merged), ['6@2'])
})

t.test('mergePersist - the latest hard state wins; an absent one keeps the earlier', async (t) => {
  const a = { term: 1, vote: 's1', commit: 1 }
  const b = { term: 2, vote: undefined, commit: 3 }
  t.same(mergePersist({ hardState: a }, { hardState: b }).hardState, b)
  t.same(mergePersist({ hardState: a }, { entries: [entry(1, 1)] }).hardState, a)
  t.same(mergePersist({}, { hardState: b }).hardState, b)
})

t.test('isEmptyPersist - only a write with nothing in it is empty', async (t) => {
  t.ok(isEmptyPersist({}))
  t.ok(isEmptyPersist({ entries: [] }))
  t.notOk(isEmptyPersist({ entries: [entry(1, 1)] }))
  t.notOk(isEmptyPersist({ hardState: { term: 0, vote: undefined, commit: 0 } }))
  t.notOk(isEmptyPersist({ snapshot: snapshot(1) }))
})

t.test('mustSync - entries, a snapshot, a new term or a new vote must be durable first', async (t) => {
  const synced = { term: 3, vote: 's1' as string | undefined }
  t.ok(mustSync({ entries: [entry(7, 3)] }, synced), 'entries')
  t.ok(mustSync({ snapshot: snapshot(4) }, synced), 'snapshot')
  t.ok(mustSync({ hardState: { term: 4, vote: 's1', commit: 5 } }, synced), 'term change')
  t.ok(mustSync({ hardState: { term: 3, vote: 's2', commit: 5 } }, synced), 'vote change')
  t.ok(mustSync({ hardState: { term: 3, vote: undefined, commit: 5 } }, synced), 'vote cleared')
})

t.test('mustSync - a commit-only hard state, or nothing, need not be synced', async (t) => {
  const synced = { term: 3, vote: 's1' as string | undefined }
  t.notOk(mustSync({ hardState: { term: 3, vote: 's1', commit: 99 } }, synced), 'commit moved only')
  t.notOk(mustSync({}, synced))
  t.notOk(mustSync({ entries: [] }, synced), 'an empty entry list is no write')
})
