/**
 * Three store replicas in three host processes on a real nats-server: a leader is elected,
 * writes commit, and the cluster survives kill -9 of the leader and a restart of everything.
 */
import t from 'tap'
import type { WireEvent } from '../../runtime/codec.ts'
import { replicaAddress as store } from '../../actors/store/replica/protocol.ts'
import { scrapeMetrics } from '../helpers/metrics.ts'
import { decode, storeCluster, text, VOTERS, type StoreCluster } from '../helpers/store-cluster.ts'
import { delay, waitFor } from '../helpers/wait.ts'

// The raw protocol on purpose (not StoreClient): these tests check what a replica answers.
type Fixture = StoreCluster

const fixture = storeCluster
const statuses = async (f: Fixture) => [...(await f.statuses()).values()].filter((s) => s !== undefined)
const leader = async (f: Fixture, except?: string): Promise<string> => (await f.leader(except === undefined ? {} : { except })).id

/** Like a client: follow redirects, rotate on timeouts and on replicas still recovering, keep the request id. */
async function write(f: Fixture, requestId: string, command: Record<string, unknown>): Promise<WireEvent> {
  let id: string = VOTERS[0]
  for (let attempt = 0; attempt < 200; attempt++) {
    const reply = await f.raw.request(store(id), { type: 'store.write', requestId, command }, { timeoutMs: 1000 }).catch(() => undefined)
    // A replica still recovering refuses for now (the elected leader needs only two of three):
    // like StoreClient, try the next one rather than take the refusal as the write's answer.
    const recovering = reply?.type === 'store.refused' && reply.error === 'unavailable'
    if (reply?.type === 'store.result' || (reply?.type === 'store.refused' && !recovering)) return reply
    if (reply?.type === 'store.redirect' && typeof reply.leader === 'string') {
      id = reply.leader
      continue
    }
    id = VOTERS[(VOTERS.indexOf(id as (typeof VOTERS)[number]) + 1) % VOTERS.length]!
    await delay(50)
  }
  throw new Error(`write ${requestId} never committed`)
}

const put = (f: Fixture, requestId: string, key: string, value: string) => write(f, requestId, { type: 'put', key, value: text(value) })

async function get(f: Fixture, id: string, key: string, serializable = false): Promise<WireEvent> {
  return f.raw.request(store(id), { type: 'store.read', request: { type: 'range', key }, serializable }, { timeoutMs: 2000 })
}

t.test('a leader is elected, writes commit on a majority, reads see them', async (t) => {
  const f = await fixture(t)
  const lead = await leader(f)
  const r = await put(f, 'c-1', '/a', 'one')
  t.equal(r.type, 'store.result')
  t.match(r.result, { ok: true, type: 'put', revision: 2 })
  const read = await get(f, lead, '/a')
  t.equal(decode((read.result as { kvs: { value: Uint8Array }[] }).kvs[0]!.value), 'one')
  // A retried write with the same id is answered from memory, not applied again.
  const again = await put(f, 'c-1', '/a', 'one')
  t.match(again.result, { ok: true, revision: 2 })
  // Every replica applies it (serializable reads from followers).
  await waitFor(async () => {
    const reads = await Promise.all(VOTERS.map((id) => get(f, id, '/a', true)))
    return reads.every((x) => (x.result as { kvs: unknown[] }).kvs.length === 1)
  }, { timeoutMs: 5000, what: 'every replica to apply /a' })
  // Followers redirect linearizable reads to the leader.
  const follower = VOTERS.find((id) => id !== lead)!
  t.match(await get(f, follower, '/a'), { type: 'store.redirect', leader: lead })
  // Bad input is refused with a reason, and nothing is stored.
  t.match(await write(f, 'c-bad', { type: 'put', key: 42 }), { type: 'store.refused', error: 'bad-request' })
  const client = f.client()
  await t.rejects(client.put('/huge', new Uint8Array(1536 * 1024 + 1)), { code: 'value-too-large' }, 'a value over 1.5 MiB is refused')
  t.match(await client.put('/big', new Uint8Array(1536 * 1024)), { ok: true }, 'a value of exactly 1.5 MiB is stored')
  await client.delete('/big')
  // Garbage from a would-be peer is dropped; the replicas keep serving and nothing was stored.
  for (const id of VOTERS) {
    f.raw.send(store(id), { type: 'raft.msg', m: { type: 'app', from: 's9', to: id, term: 1e9, entries: 'nope' } })
    f.raw.send(store(id), { type: 'raft.snapChunk', m: { type: 'snap' }, transfer: 7, offset: -1, total: 1, chunk: 'x' })
  }
  // On a loaded machine the 1.5 MiB writes can cost the leader its term: ask whoever leads now.
  const current = await leader(f)
  const count = await f.raw.request(store(current), { type: 'store.read', request: { type: 'range', key: '/', prefix: true, countOnly: true } }, { timeoutMs: 5000 })
  t.match(count.result, { ok: true, count: 1 }, 'only /a is stored')
  t.equal((await statuses(f)).length, 3, 'every replica still answers')
  // The leader's host exports its Raft state and its WAL's fsyncs.
  const page = await waitFor(async () => {
    const p = await scrapeMetrics(f.hosts.get(current)!.metricsPort!)
    return p.value('actorkube_store_role', { replica: current, role: 'leader' }) === 1 && p.value('actorkube_store_applied_index', { replica: current }) >= 2 ? p : undefined
  }, { timeoutMs: 5000, what: 'store metrics' })
  t.ok(page.value('actorkube_store_term', { replica: current }) >= 1, 'term exported')
  t.ok(page.value('actorkube_store_fsync_seconds_count', { replica: current }) >= 1, 'fsyncs observed')
  t.ok(page.value('actorkube_store_batch_writes_count', { replica: current }) >= 1, 'write batches observed')
})

t.test('kill -9 the leader: writes go on under a new leader; the old one catches up on restart', async (t) => {
  const f = await fixture(t, { snapshotEvery: 20 })
  const first = await leader(f)
  const answers: WireEvent[] = []
  for (let i = 0; i < 10; i++) answers.push(await put(f, `k-${i}`, `/before/${i}`, `v${i}`))
  await f.hosts.get(first)!.stop('SIGKILL')
  const second = await leader(f, first)
  t.not(second, first)
  // Enough writes for the survivors to snapshot and compact: the old leader must catch up by snapshot.
  for (let i = 0; i < 60; i++) answers.push(await put(f, `k2-${i}`, `/after/${i}`, `w${i}`))
  t.same(answers.filter((a) => a.type !== 'store.result'), [], 'all 70 writes committed')
  const restarted = await f.start(first)
  await restarted.waitForLog((r) => r.msg === 'store installed a snapshot from the leader', { timeoutMs: 15_000 })
  await waitFor(async () => {
    const r = await get(f, first, '/after/59', true).catch(() => undefined)
    return (r?.result as { kvs?: unknown[] } | undefined)?.kvs?.length === 1
  }, { timeoutMs: 15_000, what: 'the restarted replica to catch up' })
  const all = await f.raw.request(store(first), { type: 'store.read', request: { type: 'range', key: '/', prefix: true, countOnly: true }, serializable: true })
  t.equal((all.result as { count: number }).count, 70)
})

t.test('restart every replica: no acknowledged write is lost', async (t) => {
  const f = await fixture(t)
  await leader(f)
  for (let i = 0; i < 25; i++) await put(f, `r-${i}`, `/keep/${i}`, `v${i}`)
  await Promise.all(VOTERS.map((id) => f.hosts.get(id)!.stop('SIGKILL')))
  await Promise.all(VOTERS.map((id) => f.start(id)))
  const lead = await leader(f)
  const all = await f.raw.request(store(lead), { type: 'store.read', request: { type: 'range', key: '/keep/', prefix: true, countOnly: true } }, { timeoutMs: 5000 })
  t.equal((all.result as { count: number }).count, 25)
})

t.test('a leader stopped gracefully (SIGTERM) hands leadership over before it goes', async (t) => {
  // Long election timeouts (1-2 s): a leader seen right after the old one exits came from a transfer.
  const f = await fixture(t, { electionTicks: 40, heartbeatTicks: 2 })
  const first = await leader(f)
  await put(f, 'g-1', '/g', 'x')
  const before = (await f.raw.request(store(first), { type: 'store.status' })).term as number
  await f.hosts.get(first)!.stop('SIGTERM')
  const now = await statuses(f)
  const next = now.find((s) => s.role === 'leader')
  t.ok(next, 'a new leader is in place as soon as the old one has exited')
  t.not(next?.id, first)
  t.equal(next?.term, before + 1, 'one election, no disruption')
  t.match((await put(f, 'g-2', '/g', 'y')).result, { ok: true })
})
