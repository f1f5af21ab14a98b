import t from 'tap'
import { microTime, type LeaseRecord } from '../../../actors/leader/lease-election.ts'
import { encodeEvent } from '../../../runtime/codec.ts'
import { checkLeaderActing, holderTerms, tokenSpans, type LeaseHistory, type TimedRecord } from '../../../runtime/sim/invariants/leader-acting.ts'
import { attribute, leaderActions, leaseWriteKey, leaseWriteTimes, type LeaderAction } from '../../../runtime/sim/invariants/leader-actions.ts'

const A = 'm1_aaaaaaaaaaaaaaaaaa'
const B = 'm2_bbbbbbbbbbbbbbbbbb'
const spec = (holder: string, acquired: number, renewed: number): LeaseRecord => ({ holderIdentity: holder, leaseDurationSeconds: 2, acquireTime: microTime(acquired), renewTime: microTime(renewed) })
/** A record sent at `renewed` (virtual ms); its own timestamps are on the holder's clock, here 7 s off, and never read. */
const record = (holder: string, acquired: number, renewed: number): TimedRecord => ({ record: spec(holder, acquired + 7000, renewed + 7000), at: renewed })
/** m1 leads from 1000 (renewing every 200 ms until 2000), m2 takes over at 4000 once the lease expired. */
const handover: LeaseHistory = {
  component: 'scheduler',
  lease: 'kube-scheduler',
  renewDeadlineMs: 1500,
  records: [record(A, 1000, 1000), record(A, 1000, 1200), record(A, 1000, 1400), record(A, 1000, 2000), record(B, 4000, 4000), record(B, 4000, 4200)],
}
/** The history with store revisions on its records: 10, 12, ... in order (m2 takes over at revision 18). */
const withRevisions = (history: LeaseHistory): LeaseHistory => ({ ...history, records: history.records.map((r, i) => ({ ...r, revision: 10 + 2 * i })) })
const act = (host: string, at: number, component: LeaderAction['component'] = 'scheduler'): LeaderAction => ({ component, at, host, what: 'POST /api/v1/namespaces/default/pods/p/binding' })
const window = { from: 0, until: 10_000 }

t.test('leader-acting - terms run from acquisition to the last renewal plus the renew deadline', async (t) => {
  t.strictSame(holderTerms(handover.records, 1500).map((x) => [x.host, x.from, x.to]), [['m1', 1000, 3500], ['m2', 4000, 5700]])
})

t.test('leader-acting - a released lease (no holder) ends the term at once', async (t) => {
  const records = [record(A, 1000, 1000), record(A, 1000, 1200), { record: { holderIdentity: '' }, at: 1300 }, record(B, 1400, 1400)]
  t.strictSame(holderTerms(records, 1500).map((x) => [x.host, x.from, x.to]), [['m1', 1000, 1300], ['m2', 1400, 2900]])
  t.equal(checkLeaderActing([{ ...handover, records }], [act('m1', 1350)], window).held, false, 'm1 acting after its release')
})

t.test('leader-acting - a renewal after the holder stepped down opens a new term, the gap is not covered', async (t) => {
  const records = [record(A, 1000, 1000), record(A, 1000, 3000)]
  t.strictSame(holderTerms(records, 1500).map((x) => [x.from, x.to]), [[1000, 2500], [3000, 4500]])
  const result = checkLeaderActing([{ ...handover, records }], [act('m1', 2700)], window)
  t.equal(result.held, false, 'm1 acted at 2700, between stepping down (2500) and leading again (3000)')
})

t.test('leader-acting - writes within their host terms hold', async (t) => {
  const result = checkLeaderActing([handover], [act('m1', 1000), act('m1', 3500), act('m2', 4100), act('client', 3800)], window)
  t.equal(result.held, true, result.detail ?? '')
  t.match(result.detail, /^3 leader writes/, 'the client, which never held the lease, is not judged')
})

t.test('leader-acting - a deposed leader still writing is a violation, placed at the write', async (t) => {
  const result = checkLeaderActing([handover], [act('m1', 3600), act('m2', 4100)], window)
  t.equal(result.held, false)
  t.equal(result.at, 3600)
  t.match(result.detail, /m1 sent POST .* at 3600 outside its terms \(m1 term 0 \[1000, 3500\], m2 term 0 \[4000, 5700\]\)/)
})

t.test('leader-acting - a fenced write is judged by its token: the holder and term it names must cover it', async (t) => {
  const fenced = (holder: string, term: number, at: number, lease = 'kube-scheduler'): LeaderAction => ({ fence: { lease, holder, term }, at, host: 'anywhere', what: 'PATCH /api/v1/namespaces/default/pods/p/status' })
  const records = [record(A, 1000, 1000), { record: { ...spec(A, 1000, 1200), leaseTransitions: 1 }, at: 1200 }]
  t.strictSame(holderTerms(records, 1500).map((x) => [x.term, x.from, x.to]), [[0, 1000, 2500], [1, 1200, 2700]], 'a new leaseTransitions is a new term')
  t.equal(checkLeaderActing([handover], [fenced(A, 0, 1100), fenced(B, 0, 4100), fenced(A, 0, 1100, 'kube-controller-manager')], window).held, true, 'in term, whatever the host; another Lease\'s token is not judged here')
  const wrongTerm = checkLeaderActing([handover], [{ ...fenced(A, 3, 1100), answer: { status: 200, fenceRefused: false } }], window)
  t.equal(wrongTerm.held, false)
  t.match(wrongTerm.detail, /anywhere sent PATCH \S+ for term 3 of m1_a+ at 1100 and it was accepted \(200\), but the Lease never held that term/)
  const early = checkLeaderActing([withRevisions(handover)], [{ ...fenced(B, 0, 3000), answer: { status: 200, fenceRefused: false, revision: 15 } }], window)
  t.equal(early.held, false, 'm2 landed before its term began')
  t.match(early.detail, /at revision 15, before the Lease write at revision 18 that began its term/)
})

t.test('leader-acting - a listed host that never held the lease may not act', async (t) => {
  t.equal(checkLeaderActing([{ ...handover, hosts: ['m3'] }], [act('m3', 1100)], window).held, false)
  t.equal(checkLeaderActing([{ ...handover, hosts: ['m3'] }], [act('m3', 1100, 'controller-manager')], window).held, true, 'another component is judged against its own lease')
})

/**
 * m1's 1 s lease, renewed at 1800, taken by m2 at 2900 (on time), while m1's term runs to its
 * 1500 ms renew deadline, 3300: timings no valid config has, so the terms overlap.
 */
const shortLease = (holder: string, acquired: number, renewed: number): TimedRecord => ({ record: { ...spec(holder, acquired, renewed), leaseDurationSeconds: 1 }, at: renewed })
const overlapping = [shortLease(A, 1000, 1000), shortLease(A, 1000, 1800), shortLease(B, 2900, 2900)]

t.test('leader-acting - two holders writing while their terms overlap is a violation; overlapping but one idle is not', async (t) => {
  const records = overlapping
  const both = checkLeaderActing([{ ...handover, records }], [act('m1', 3000), act('m2', 3100)], window)
  t.equal(both.held, false)
  t.equal(both.at, 3100)
  t.match(both.detail, /both acted in \[2900, 3300\]: m1 POST .* at 3000, m2 POST .* at 3100/)
  const idle = checkLeaderActing([{ ...handover, records }], [act('m1', 2800), act('m2', 3100)], window)
  t.equal(idle.held, true, idle.detail ?? '')
  t.match(idle.detail, /1 overlapping terms, but not both holders wrote/)
  const untraced = checkLeaderActing([{ ...handover, records }], [], { ...window, traced: false })
  t.equal(untraced.held, false, 'without a trace the overlap alone is a violation')
  t.match(untraced.detail, /led at the same time/)
})

t.test('leader-actions - bindings are the scheduler, apps writes and pod creates the controller manager', async (t) => {
  t.equal(attribute('POST', '/api/v1/namespaces/default/pods/p/binding'), 'scheduler')
  t.equal(attribute('PUT', '/apis/apps/v1/namespaces/default/replicasets/r/status'), 'controller-manager')
  t.equal(attribute('POST', '/api/v1/namespaces/default/pods'), 'controller-manager')
  t.equal(attribute('GET', '/apis/apps/v1/deployments'), undefined, 'reads are not acting')
  t.equal(attribute('DELETE', '/api/v1/namespaces/default/pods/p'), undefined, 'kubelets, the scheduler and the controller manager all delete pods')
  const trace = [
    { at: 5, from: 'm1', subject: 'ak.c1.apiserver.m2.in', data: encodeEvent({ type: 'api.request', method: 'POST', path: '/api/v1/namespaces/ns/pods/p/binding', body: {} }) },
    { at: 6, from: 'm2', subject: 'ak.c1.apiserver.m2.in', data: encodeEvent({ type: 'api.watchKeepAlive', watchIds: [] }) },
    { at: 7, from: 'm1', subject: 'ak.c1.store.r1.in', data: encodeEvent({ type: 'api.request', method: 'POST', path: '/apis/apps/v1/namespaces/ns/deployments' }) },
    { at: 8, from: 'm3', subject: 'ak.c2.apiserver.m2.in', data: encodeEvent({ type: 'api.request', method: 'POST', path: '/apis/apps/v1/namespaces/ns/deployments' }) },
    { at: 9, from: 'm3', subject: 'ak.c1.apiserver.m1.in', data: new Uint8Array([0xc1]) },
  ]
  t.strictSame(leaderActions(trace, 'c1'), [{ component: 'scheduler', at: 5, host: 'm1', what: 'POST /api/v1/namespaces/ns/pods/p/binding' }])
})

t.test('leader-actions - a Lease write is placed when it was first sent, retries to another apiserver aside', async (t) => {
  const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases'
  const body = { metadata: { name: 'kube-scheduler' }, spec: spec(A, 1000, 9000) }
  const trace = [
    { at: 20, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: encodeEvent({ type: 'api.request', method: 'PUT', path: `${leases}/kube-scheduler`, body }) },
    { at: 520, from: 'm1', subject: 'ak.c1.apiserver.m2.in', data: encodeEvent({ type: 'api.request', method: 'PUT', path: `${leases}/kube-scheduler`, body }) },
    { at: 600, from: 'm1', subject: 'ak.c1.apiserver.m2.in', data: encodeEvent({ type: 'api.request', method: 'GET', path: `${leases}/kube-scheduler` }) },
  ]
  const times = leaseWriteTimes(trace, 'c1', leases)
  t.strictSame([...times], [[leaseWriteKey(A, microTime(9000)), 20]])
})

t.test('leader-actions - the same request sent again (an ApiClient retry elsewhere) is marked with its first send', async (t) => {
  const request = encodeEvent({ type: 'api.request', method: 'PUT', path: '/apis/apps/v1/namespaces/ns/replicasets/r', body: { metadata: { resourceVersion: '7' } } })
  const other = encodeEvent({ type: 'api.request', method: 'PUT', path: '/apis/apps/v1/namespaces/ns/replicasets/r', body: { metadata: { resourceVersion: '8' } } })
  const trace = [
    { at: 100, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: request },
    { at: 5100, from: 'm1', subject: 'ak.c1.apiserver.m2.in', data: request },
    { at: 5200, from: 'm1', subject: 'ak.c1.apiserver.m2.in', data: other },
  ]
  t.strictSame(leaderActions(trace, 'c1').map((a) => [a.at, a.firstSentAt]), [[100, undefined], [5100, 100], [5200, undefined]])
  const late = checkLeaderActing([{ ...handover, component: 'controller-manager' }], leaderActions(trace, 'c1').map((a) => ({ ...a, at: a.at - 1000 })), window)
  t.match(late.detail, /m1 sent PUT \S+ at 4100 \(a resend of the request first sent at 100\) outside its terms/)
})

t.test('leader-actions - a write carrying a fencing token is attributed by it; Lease writes are not actions', async (t) => {
  const fence = { lease: 'kube-controller-manager', holder: A, term: 2 }
  const trace = [
    { at: 1, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: encodeEvent({ type: 'api.request', method: 'DELETE', path: '/api/v1/namespaces/ns/pods/p', fence }) },
    { at: 2, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: encodeEvent({ type: 'api.request', method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager', fence }) },
    { at: 3, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: encodeEvent({ type: 'api.request', method: 'DELETE', path: '/api/v1/namespaces/ns/pods/q', fence: { lease: 'x' } }) },
  ]
  t.strictSame(leaderActions(trace, 'c1'), [{ fence, at: 1, host: 'm1', what: 'DELETE /api/v1/namespaces/ns/pods/p' }], 'a malformed token is no token (and the path alone attributes nothing)')
})

/** A fenced write of m1's term 0 of the controller manager's Lease. */
const fencedWrite = (at: number, answer?: LeaderAction['answer']): LeaderAction => ({ fence: { lease: 'kube-controller-manager', holder: A, term: 0 }, at, host: 'm1', what: 'PUT /apis/apps/v1/namespaces/default/replicasets/web', ...(answer ? { answer } : {}) })
const cmHandover: LeaseHistory = { ...handover, component: 'controller-manager', lease: 'kube-controller-manager' }

t.test('leader-acting - a fenced write sent after its term is judged where the store put it: before the Lease write that ended the term holds, after it does not', async (t) => {
  // Sim seed 9 (before the engine closed its client at stop): a deposed controller manager's
  // ApiClient resent a timed-out write 5 s later to the next apiserver, after its term (m1's ends at 3500).
  const refused = checkLeaderActing([cmHandover], [fencedWrite(1100, { status: 200, fenceRefused: false }), fencedWrite(6100, { status: 409, fenceRefused: true })], window)
  t.equal(refused.held, true, refused.detail ?? '')
  t.match(refused.detail, /2 leader writes, each within its lease term or refused \(1 sent after their term refused by the fence, 0 otherwise refused\)/)
  // Sim seed 50030: a paused host's held send goes out after its term, but lands before m2's
  // takeover (revision 18) is in the store: no other term had begun, nobody else acted.
  const history = withRevisions(cmHandover)
  const landedBefore = checkLeaderActing([history], [fencedWrite(3700, { status: 200, fenceRefused: false, revision: 17 })], window)
  t.equal(landedBefore.held, true, landedBefore.detail ?? '')
  t.match(landedBefore.detail, /1 fenced sent after their term landed before the Lease write that ended it/)
  const landedAfter = checkLeaderActing([history], [fencedWrite(3700, { status: 200, fenceRefused: false, revision: 19 })], window)
  t.equal(landedAfter.held, false, 'accepted after the takeover: the fence failed')
  t.match(landedAfter.detail, /m1 sent PUT \S+ for term 0 of m1_a+ at 3700 and it was accepted \(200\) at revision 19, after the Lease write at revision 18 that ended its term/)
  const inTimeButAfter = checkLeaderActing([history], [fencedWrite(1100, { status: 200, fenceRefused: false, revision: 19 })], window)
  t.equal(inTimeButAfter.held, false, 'sent within its term, but landed after the takeover: store order is what counts')
  const noRevision = checkLeaderActing([history], [fencedWrite(6100, { status: 201, fenceRefused: false })], window)
  t.equal(noRevision.held, true, 'accepted with no revision (a binding\'s Status): unplaced')
  t.match(noRevision.detail, /1 fenced sent after their term unplaced in the store/)
  // Sim seed 50030: a DELETE answers with the object as it was (revision 5, long before): a lower bound only.
  const deleted = (revision: number): LeaderAction => ({ ...fencedWrite(6100, { status: 200, fenceRefused: false, revision, revisionAtLeast: true }), what: 'DELETE /apis/apps/v1/namespaces/default/replicasets/web' })
  t.equal(checkLeaderActing([history], [deleted(5)], window).held, true, 'a lower bound before the term\'s end places nothing')
  const deletedAfter = checkLeaderActing([history], [deleted(19)], window)
  t.equal(deletedAfter.held, false, 'a lower bound past the term\'s end is a violation')
  t.match(deletedAfter.detail, /at revision 19 or later, after the Lease write at revision 18 that ended its term/)
  // Sim seed 40021: the resumed master was still cut off; its late fenced write got no answer.
  const unanswered = checkLeaderActing([history], [fencedWrite(6100), fencedWrite(6200)], window)
  t.equal(unanswered.held, true, unanswered.detail ?? '')
  t.match(unanswered.detail, /2 fenced sent after their term unplaced in the store \(no answer, or none naming a revision\), which the fence refuses once the term is over/)
  const unfenced = checkLeaderActing([history], [act('m1', 6100, 'controller-manager')], window)
  t.equal(unfenced.held, false, 'an unfenced write is still judged by when it was sent')
  t.match(unfenced.detail, /with no answer in the trace \(it may have landed\)/)
})

t.test('leader-acting - the spans of store revisions a token\'s term held the Lease', async (t) => {
  const fence = { lease: 'kube-controller-manager', holder: A, term: 0 }
  t.strictSame(tokenSpans(withRevisions(cmHandover).records, fence), [{ from: -Infinity, to: 18 }], 'from the listed record, whose term may have begun earlier')
  const released = [{ ...record(B, 0, 500), revision: 3 }, { ...record(A, 1000, 1000), revision: 5 }, { record: { holderIdentity: '' }, at: 1300, revision: 7 }, { ...record(A, 1400, 1400), revision: 9 }]
  t.strictSame(tokenSpans(released, fence), [{ from: 5, to: 7 }, { from: 9, to: Infinity }], 'a release ends the span, the same holder and term taken again opens another')
  t.strictSame(tokenSpans(released, { ...fence, term: 1 }), [], 'never held')
})

t.test('leader-acting - a write the fence refused is not acting in an overlap of terms', async (t) => {
  const records = [...overlapping.slice(0, 2), { record: { ...overlapping[2]!.record, leaseTransitions: 1 }, at: 2900 }]
  const bWrites: LeaderAction = { fence: { lease: 'kube-controller-manager', holder: B, term: 1 }, at: 3100, host: 'm2', what: 'PUT /apis/apps/v1/namespaces/default/deployments/d/status' }
  const fenced = checkLeaderActing([{ ...cmHandover, records }], [fencedWrite(3000, { status: 409, fenceRefused: true }), bWrites], window)
  t.equal(fenced.held, true, fenced.detail ?? '')
  const landed = checkLeaderActing([{ ...cmHandover, records }], [fencedWrite(3000, { status: 200, fenceRefused: false }), bWrites], window)
  t.equal(landed.held, false, 'both acted in the overlap')
  const revised = records.map((r, i) => ({ ...r, revision: 10 + 2 * i }))
  const before = checkLeaderActing([{ ...cmHandover, records: revised }], [fencedWrite(3000, { status: 200, fenceRefused: false, revision: 13 }), bWrites], window)
  t.equal(before.held, true, 'landed before m2\'s takeover (revision 14) in the store: not acting beside m2')
  t.match(before.detail, /1 overlapping terms, but not both holders wrote/)
  const unanswered = checkLeaderActing([{ ...cmHandover, records: revised }], [fencedWrite(3000), bWrites], window)
  t.equal(unanswered.held, true, 'an unanswered fenced write of the earlier term is not acting beside the later one')
  const after = checkLeaderActing([{ ...cmHandover, records: revised }], [fencedWrite(3000, { status: 200, fenceRefused: false, revision: 15 }), bWrites], window)
  t.equal(after.held, false, 'landed after m2\'s takeover, while m2 wrote')
  t.match(after.detail, /both acted in \[2900, 3300\]/)
})

t.test('leader-actions - each send carries the answer published to its reply subject; the fence 409 is told from a stale version', async (t) => {
  const fence = { lease: 'kube-controller-manager', holder: A, term: 0 }
  const put = (rv: string) => encodeEvent({ type: 'api.request', method: 'PUT', path: '/apis/apps/v1/namespaces/ns/replicasets/r', body: { metadata: { resourceVersion: rv } }, fence })
  const answer = (status: number, details?: object) => encodeEvent({ type: 'api.response', status, body: details ? { kind: 'Status', code: status, reason: 'Conflict', details } : { metadata: { resourceVersion: '15' } } })
  const trace = [
    { at: 100, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: put('7'), reply: '_INBOX.m1.1' },
    { at: 101, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: put('8'), reply: '_INBOX.m1.2' },
    { at: 102, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: put('9'), reply: '_INBOX.m1.3' },
    { at: 103, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: put('10'), reply: '_INBOX.m1.4' },
    { at: 110, from: 'm1', subject: '_INBOX.m1.1', data: answer(200) },
    { at: 111, from: 'm1', subject: '_INBOX.m1.2', data: answer(409, { name: 'kube-controller-manager', group: 'coordination.k8s.io', kind: 'leases' }) },
    { at: 112, from: 'm1', subject: '_INBOX.m1.3', data: answer(409, { name: 'r', group: 'apps', kind: 'replicasets' }) },
  ]
  t.strictSame(leaderActions(trace, 'c1').map((a) => a.answer), [{ status: 200, fenceRefused: false, revision: 15 }, { status: 409, fenceRefused: true }, { status: 409, fenceRefused: false }, undefined])
})

t.test('leader-actions - a restarted host numbers its inboxes afresh: an answer belongs to the latest request on its reply subject', async (t) => {
  // Sim seed 50030: master-3's create after a restart was matched with the answer its first
  // transport got on the same inbox long before (revision 78, against the Lease's 752).
  const fence = { lease: 'kube-controller-manager', holder: A, term: 0 }
  const create = encodeEvent({ type: 'api.request', method: 'POST', path: '/apis/apps/v1/namespaces/ns/replicasets', body: {}, fence })
  const lease = encodeEvent({ type: 'api.request', method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager', body: {} })
  const answer = (rv: string) => encodeEvent({ type: 'api.response', status: 201, body: { metadata: { resourceVersion: rv } } })
  const trace = [
    { at: 100, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: create, reply: '_INBOX.m1.0.0' },
    { at: 110, from: 'm1', subject: '_INBOX.m1.0.0', data: answer('78') },
    { at: 5000, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: create, reply: '_INBOX.m1.0.0' },
    { at: 5010, from: 'm1', subject: '_INBOX.m1.0.0', data: answer('800') },
    { at: 6000, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: create, reply: '_INBOX.m1.0.1' },
    { at: 6100, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: lease, reply: '_INBOX.m1.0.1' },
    { at: 6110, from: 'm1', subject: '_INBOX.m1.0.1', data: answer('900') },
  ]
  const deleting = { at: 7000, from: 'm1', subject: 'ak.c1.apiserver.m1.in', data: encodeEvent({ type: 'api.request', method: 'DELETE', path: '/apis/apps/v1/namespaces/ns/replicasets/r', fence }), reply: '_INBOX.m1.0.2' }
  t.strictSame(leaderActions([...trace, deleting, { at: 7010, from: 'm1', subject: '_INBOX.m1.0.2', data: answer('300') }], 'c1').at(-1)?.answer, { status: 201, fenceRefused: false, revision: 300, revisionAtLeast: true }, 'a DELETE\'s answer bounds its revision from below')
  t.strictSame(leaderActions(trace, 'c1').map((a) => a.answer?.revision), [78, 800, undefined], 'the third create\'s inbox was taken by a Lease write: that answer is not the create\'s')
})

t.test('leader-acting - a takeover before the holder\'s lease duration ran out since its last write is a violation', async (t) => {
  // Sim seed 11 (before the elector measured on the monotonic clock): master-1, its wall clock
  // ahead, took the scheduler's Lease 0.8 s after master-3 last renewed it.
  const early = [record(A, 1000, 1000), record(A, 1000, 1800), record(B, 2200, 2200)]
  const result = checkLeaderActing([{ ...handover, records: early }], [], window)
  t.equal(result.held, false)
  t.equal(result.at, 2200)
  t.match(result.detail, /m2_b+ took the lease at 2200, 400 ms after m1_a+ last wrote it \(at 1800\), before its 2000 ms duration ran out/)
  t.equal(checkLeaderActing([handover], [], window).held, true, 'm2 at 4000, 2 s after m1\'s last renewal at 2000: on time')
  const released = [record(A, 1000, 1000), { record: { holderIdentity: '' }, at: 1300 }, record(B, 1400, 1400)]
  t.equal(checkLeaderActing([{ ...handover, records: released }], [], window).held, true, 'a released lease may be taken at once')
  t.equal(checkLeaderActing([{ ...handover, records: early }], [], { ...window, traced: false }).held, false, 'untraced, the overlap is what counts')
})
