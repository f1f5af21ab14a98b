import t from 'tap'
import { StoreClientClosedError, StoreError, StoreUnavailableError } from '../../runtime/store/store-client.ts'
import { FakeCluster, outcome, settle } from './store-client-fakes.ts'

const bytes = (s: string) => new TextEncoder().encode(s)
const writes = (seen: { request: { type: string; requestId?: unknown } }[]) => seen.filter((s) => s.request.type === 'store.write').map((s) => s.request.requestId)

t.test('store client - put then get at the leader', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'])
  const client = cluster.client()
  const put = outcome(client.put('/a', bytes('x')))
  await settle(cluster.clock, 5)
  t.match(put.value, { ok: true, type: 'put', revision: 1 })
  const got = outcome(client.get('/a'))
  const missing = outcome(client.get('/none'))
  await settle(cluster.clock, 5)
  t.equal(got.value?.kv?.key, '/a')
  t.equal(got.value?.revision, 1)
  t.same(missing.value, { kv: undefined, revision: 1 })
  t.equal(cluster.replica('r2').seen.length, 0, 'followers were never asked')
})

t.test('store client - follows a redirect and remembers the leader', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'], 'r3')
  const client = cluster.client()
  const first = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 10)
  t.match(first.value, { ok: true })
  t.equal(client.leaderGuess, 'r3')
  const second = outcome(client.put('/b', bytes('2')))
  await settle(cluster.clock, 10)
  t.match(second.value, { ok: true })
  t.equal(cluster.replica('r1').seen.length, 1, 'only the first put went to r1')
  t.equal(cluster.replica('r3').seen.length, 2)
})

t.test('store client - no leader: backs off, tries the next replica, succeeds once elected', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'], null)
  const client = cluster.client()
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 100)
  t.notOk(put.settled)
  const tries = cluster.replica('r1').seen.length + cluster.replica('r2').seen.length + cluster.replica('r3').seen.length
  t.ok(tries >= 3 && tries <= 6, `backed off between tries (${tries} in 100 ms)`)
  t.ok(cluster.replica('r2').seen.length > 0, 'rotated to r2')
  cluster.leader = 'r2'
  await settle(cluster.clock, 300)
  t.match(put.value, { ok: true })
  t.equal(client.leaderGuess, 'r2')
})

t.test('store client - rotates on a timeout and keeps one requestId across every retry', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'], 'r3')
  cluster.replica('r1').silent = true
  const client = cluster.client({ requestTimeoutMs: 100 })
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 50)
  t.notOk(put.settled, 'waiting for r1')
  await settle(cluster.clock, 100)
  t.match(put.value, { ok: true })
  const ids = [...writes(cluster.replica('r1').seen), ...writes(cluster.replica('r2').seen), ...writes(cluster.replica('r3').seen)]
  t.same(ids, ['cl-0', 'cl-0', 'cl-0'], 'r1 (timed out), r2 (redirected), r3 (applied) saw the same id')
  const msgIds = ['r1', 'r2', 'r3'].map((r) => cluster.replica(r).seen[0]!.msgId)
  t.equal(new Set(msgIds).size, 3, 'each try has its own message id')
  t.equal(cluster.applied.size, 1)
  const next = outcome(client.put('/b', bytes('2')))
  await settle(cluster.clock, 10)
  t.match(next.value, { ok: true })
  t.same(writes(cluster.replica('r3').seen), ['cl-0', 'cl-1'])
})

t.test('store client - a write whose reply was lost is applied once when retried', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2'])
  const r1 = cluster.replica('r1')
  let dropped = false
  // r1 applies the first try but its reply is lost; the client times out, r2 redirects back to r1.
  r1.intercept = (request) => {
    if (request.type !== 'store.write' || dropped) return false
    dropped = true
    cluster.write(request.requestId as string, request.command as never)
    return true
  }
  const client = cluster.client({ requestTimeoutMs: 50 })
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 100)
  t.match(put.value, { ok: true, revision: 1 })
  t.equal(cluster.revision, 1, 'one revision, not two')
})

t.test('store client - nobody serving a replica subject rotates at once', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2'], 'r2')
  const client = cluster.client({ replicas: ['gone', 'r1', 'r2'] })
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 10)
  t.match(put.value, { ok: true })
  t.equal(client.leaderGuess, 'r2')
})

t.test('store client - gives up at the deadline with StoreUnavailableError', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'])
  for (const r of cluster.replicas.values()) r.silent = true
  const client = cluster.client({ requestTimeoutMs: 100, deadlineMs: 1000 })
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 990)
  t.notOk(put.settled)
  await settle(cluster.clock, 20)
  t.type(put.error, StoreUnavailableError)
  t.equal((put.error as StoreError).code, 'unavailable')
  t.match((put.error as Error).message, /timed out/)
  t.equal(cluster.replica('r1').seen.length + cluster.replica('r2').seen.length + cluster.replica('r3').seen.length, 10)
})

t.test('store client - an ok:false result throws StoreError with its code, without retrying', async (t) => {
  const cluster = new FakeCluster(['r1'])
  cluster.replica('r1').intercept = (request, respond) => {
    if (request.type !== 'store.read') return false
    respond({ type: 'store.result', result: { ok: false, error: 'compacted', message: 'gone', revision: 9, compactRevision: 5 } })
    return true
  }
  const client = cluster.client()
  const read = outcome(client.get('/a', { revision: 2 }))
  await settle(cluster.clock, 10)
  t.type(read.error, StoreError)
  t.match(read.error, { code: 'compacted', revision: 9, compactRevision: 5 })
  t.equal(cluster.replica('r1').seen.length, 1)
})

t.test('store client - refused: bad requests fail at once, unavailable is retried', async (t) => {
  const cluster = new FakeCluster(['r1'])
  let unavailable = 2
  cluster.replica('r1').intercept = (request, respond) => {
    if (request.type === 'store.read') respond({ type: 'store.refused', error: 'bad-request', message: 'no' })
    else if (unavailable-- > 0) respond({ type: 'store.refused', error: 'unavailable', message: 'recovering' })
    else return false
    return true
  }
  const client = cluster.client()
  const read = outcome(client.range({ key: '/a', prefix: true }))
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 200)
  t.match(read.error, { code: 'bad-request', message: 'no' })
  t.match(put.value, { ok: true })
  t.equal(writes(cluster.replica('r1').seen).length, 3)
})

t.test('store client - serializable reads are answered by the guess, which stays put', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2'], 'r2')
  cluster.putAll(['/a'])
  const client = cluster.client()
  const read = outcome(client.get('/a', { serializable: true }))
  await settle(cluster.clock, 5)
  t.equal(read.value?.kv?.key, '/a')
  t.equal(cluster.replica('r2').seen.length, 0)
  t.equal(client.leaderGuess, 'r1')
})

t.test('store client - a garbled reply counts as a failed try', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2'], 'r2')
  const r1 = cluster.replica('r1')
  r1.silent = true
  // 0xc1 is never valid msgpack.
  r1.transport.subscribe('ak.c1.store.r1.in', (m) => m.reply && r1.transport.publish(m.reply, new Uint8Array([0xc1])))
  const client = cluster.client()
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 10)
  t.match(put.value, { ok: true })
  t.equal(client.leaderGuess, 'r2')
})

t.test('store client - many calls in flight at once', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'], 'r2')
  const client = cluster.client()
  const puts = Array.from({ length: 200 }, (_, i) => outcome(client.put(`/k${i}`, bytes('v'))))
  await settle(cluster.clock, 10)
  t.ok(puts.every((p) => p.value?.ok === true))
  t.equal(new Set(writes(cluster.replica('r2').seen)).size, 200, 'each write has its own requestId')
  t.equal(cluster.revision, 200)
})

t.test('store client - status and leader discovery', async (t) => {
  const cluster = new FakeCluster(['r1', 'r2', 'r3'], 'r3')
  cluster.replica('r2').silent = true
  const client = cluster.client({ requestTimeoutMs: 50 })
  const status = outcome(client.status('r1'))
  const leader = outcome(client.leader())
  const silent = outcome(client.status('r2'))
  await settle(cluster.clock, 60)
  t.match(status.value, { type: 'store.statusReply', id: 'r1', role: 'follower', leader: 'r3' })
  t.equal(leader.value, 'r3')
  t.equal(client.leaderGuess, 'r3')
  t.type(silent.error, StoreUnavailableError)
})

t.test('store client - close fails calls in flight and later calls', async (t) => {
  const cluster = new FakeCluster(['r1'])
  cluster.replica('r1').silent = true
  const client = cluster.client()
  const put = outcome(client.put('/a', bytes('1')))
  await settle(cluster.clock, 5)
  await client.close()
  await settle(cluster.clock, 1)
  t.type(put.error, StoreClientClosedError)
  await t.rejects(client.get('/a'), StoreClientClosedError)
})

t.test('store client - bad options and oversized values', async (t) => {
  const cluster = new FakeCluster(['r1'])
  t.throws(() => cluster.client({ replicas: [] }), RangeError)
  t.throws(() => cluster.client({ clientId: 'a.b' }), TypeError)
  t.match(cluster.client({ clientId: undefined }).clientId, /^[A-Za-z0-9_-]+$/)
  const client = cluster.client({ maxBytes: 1024 })
  await t.rejects(client.put('/a', new Uint8Array(2048)), { code: 'value-too-large' })
})
