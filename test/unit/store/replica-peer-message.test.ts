/** peer-message.ts: the only gate between the wire and the Raft core, which trusts its inputs. */
import t from 'tap'
import { asPeerMessage } from '../../../actors/store/replica/peer-message.ts'
import type { PeerMessage } from '../../../actors/store/raft/messages.ts'

const head = { from: 's1', to: 's2', term: 3 }
const entry = { term: 3, index: 5, kind: 'command', data: new Uint8Array([1, 2]) }
const VALID: Record<PeerMessage['type'], Record<string, unknown>> = {
  vote: { ...head, type: 'vote', pre: true, lastIndex: 4, lastTerm: 2, transfer: false },
  voteResp: { ...head, type: 'voteResp', pre: false, reject: true },
  app: { ...head, type: 'app', prevIndex: 4, prevTerm: 2, commit: 4, entries: [entry, { ...entry, index: 6, kind: 'noop' }, { ...entry, index: 7, kind: 'config' }] },
  appResp: { ...head, type: 'appResp', reject: false, index: 7, hintIndex: 0, hintTerm: 0 },
  heartbeat: { ...head, type: 'heartbeat', commit: 7, round: 2 },
  heartbeatResp: { ...head, type: 'heartbeatResp', round: 2 },
  snap: { ...head, type: 'snap', snapshot: { meta: { index: 9, term: 3, voters: ['s1', 's2', 's3'] }, data: new Uint8Array([7]) } },
  timeoutNow: { ...head, type: 'timeoutNow' },
}

t.test('peer message - every well-formed type is accepted as is', async (t) => {
  for (const [type, m] of Object.entries(VALID)) t.equal(asPeerMessage(m), m, type)
  t.ok(asPeerMessage({ ...VALID.app, entries: [] }), 'an empty append (a probe) is fine')
  t.ok(asPeerMessage({ ...VALID.snap, snapshot: { meta: { index: 0, term: 0, voters: [] }, data: new Uint8Array() } }), 'an empty snapshot')
  t.ok(asPeerMessage({ ...VALID.vote, term: 0 }), 'term 0 is a valid index')
})

t.test('peer message - not an object, or an unknown type', async (t) => {
  for (const v of [undefined, null, 3, 'vote', [], [VALID.vote], new Uint8Array()]) t.equal(asPeerMessage(v), undefined, String(v))
  t.equal(asPeerMessage({ ...VALID.vote, type: 'propose' }), undefined, 'a local message never comes off the wire')
  t.equal(asPeerMessage({ ...VALID.vote, type: 'toString' }), undefined, 'an inherited property name is not a type')
  t.equal(asPeerMessage({ ...VALID.vote, type: undefined }), undefined)
})

t.test('peer message - bad from, to or term on any type', async (t) => {
  for (const [type, m] of Object.entries(VALID)) {
    t.equal(asPeerMessage({ ...m, term: -1 }), undefined, `${type}: negative term`)
    t.equal(asPeerMessage({ ...m, term: 1.5 }), undefined, `${type}: fractional term`)
    t.equal(asPeerMessage({ ...m, term: '3' }), undefined, `${type}: string term`)
    t.equal(asPeerMessage({ ...m, from: '' }), undefined, `${type}: empty from`)
    t.equal(asPeerMessage({ ...m, to: 7 }), undefined, `${type}: numeric to`)
    t.equal(asPeerMessage({ ...m, from: 'x'.repeat(129) }), undefined, `${type}: overlong from`)
    const { from: _, ...noFrom } = m
    t.equal(asPeerMessage(noFrom), undefined, `${type}: missing from`)
  }
})

t.test('peer message - each type-specific field missing or of the wrong type', async (t) => {
  const broken: [PeerMessage['type'], string, unknown][] = [
    ['vote', 'pre', undefined], ['vote', 'pre', 'true'], ['vote', 'lastIndex', -1], ['vote', 'lastTerm', undefined], ['vote', 'transfer', 0],
    ['voteResp', 'pre', undefined], ['voteResp', 'reject', 1],
    ['app', 'prevIndex', undefined], ['app', 'prevTerm', -2], ['app', 'commit', NaN], ['app', 'entries', undefined], ['app', 'entries', {}],
    ['appResp', 'reject', undefined], ['appResp', 'index', -1], ['appResp', 'hintIndex', undefined], ['appResp', 'hintTerm', '0'],
    ['heartbeat', 'commit', undefined], ['heartbeat', 'round', -1],
    ['heartbeatResp', 'round', undefined],
    ['snap', 'snapshot', undefined], ['snap', 'snapshot', 'data'],
  ]
  for (const [type, field, value] of broken) {
    const m = { ...VALID[type], [field]: value }
    if (value === undefined) delete m[field]
    t.equal(asPeerMessage(m), undefined, `${type}.${field} = ${String(value)}`)
  }
})

t.test('peer message - entries must each be well-formed with Uint8Array data', async (t) => {
  const bad: unknown[] = [
    { ...entry, data: [1, 2] },
    { ...entry, data: 'AQI=' },
    { ...entry, data: undefined },
    { ...entry, data: new ArrayBuffer(2) },
    { ...entry, kind: 'other' },
    { ...entry, index: -1 },
    { ...entry, term: undefined },
    null,
    [entry],
  ]
  for (const e of bad) t.equal(asPeerMessage({ ...VALID.app, entries: [entry, e] }), undefined, JSON.stringify(e) ?? String(e))
})

t.test('peer message - a snapshot needs bytes, a numeric meta and string voters', async (t) => {
  const snapshot = VALID.snap.snapshot as { meta: Record<string, unknown>; data: Uint8Array }
  const bad: unknown[] = [
    { ...snapshot, data: [7] },
    { meta: snapshot.meta },
    { data: snapshot.data },
    { ...snapshot, meta: { ...snapshot.meta, index: -1 } },
    { ...snapshot, meta: { ...snapshot.meta, term: undefined } },
    { ...snapshot, meta: { ...snapshot.meta, voters: 's1' } },
    { ...snapshot, meta: { ...snapshot.meta, voters: ['s1', 2] } },
    { ...snapshot, meta: { ...snapshot.meta, voters: [''] } },
  ]
  for (const s of bad) t.equal(asPeerMessage({ ...VALID.snap, snapshot: s }), undefined, JSON.stringify(s))
})
