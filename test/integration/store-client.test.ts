/**
 * StoreClient against three real store replicas (three host processes, one nats-server): the
 * calls, and a watch that sees every write exactly once across kill -9 of the leader.
 */
import t from 'tap'
import { join } from 'node:path'
import type { WatchEvent } from '../../actors/store/mvcc/types.ts'
import { StoreClient, StoreError } from '../../runtime/store/store-client.ts'
import { RawClient } from '../helpers/client.ts'
import { startHost, type HostSpec, type TestHost } from '../helpers/hosts.ts'
import { startNatsFor, type TeardownOwner } from '../helpers/nats.ts'
import { waitFor } from '../helpers/wait.ts'

const VOTERS = ['s1', 's2', 's3']
const text = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined)

async function fixture(t: TeardownOwner): Promise<{ client: StoreClient; hosts: Map<string, TestHost> }> {
  const nats = await startNatsFor(t)
  const spec = (id: string): HostSpec => ({
    host: `h-${id}`,
    maxMessageBytes: 4 * 1024 * 1024,
    backoff: { initialMs: 50, maxMs: 500 },
    actors: [{ kind: 'store', id, options: { dataDir: join(nats.dir, 'store', id), voters: VOTERS } }],
  })
  const hosts = new Map<string, TestHost>()
  await Promise.all(VOTERS.map(async (id) => hosts.set(id, await startHost(t, nats.dir, nats.url, spec(id)))))
  const raw = await RawClient.connectFor(t, nats.url)
  const client = new StoreClient({ transport: raw.transport, cluster: raw.cluster, replicas: VOTERS, deadlineMs: 20_000 })
  t.teardown(() => client.close())
  return { client, hosts }
}

t.test('store client - put, get, range, txn, delete, leases against real replicas', async (t) => {
  const { client } = await fixture(t)
  const put = await client.put('/a', text('one'))
  t.match(put, { ok: true, type: 'put' })
  const got = await client.get('/a')
  t.equal(decode(got.kv?.value), 'one')
  t.equal(got.kv?.modRevision, put.revision)
  t.ok(VOTERS.includes(client.leaderGuess))
  t.equal(await client.leader(), client.leaderGuess)

  const txn = await client.txn({
    compare: [{ key: '/a', target: 'modRevision', op: '=', value: put.revision }],
    success: [{ type: 'put', key: '/b', value: text('two') }],
    failure: [],
  })
  t.match(txn, { ok: true, succeeded: true })
  const lost = await client.txn({ compare: [{ key: '/a', target: 'version', op: '>', value: 5 }], success: [], failure: [{ type: 'range', key: '/a' }] })
  t.equal(lost.succeeded, false)

  const range = await client.range({ key: '/', prefix: true }, { serializable: true })
  t.same(range.kvs.map((kv) => kv.key), ['/a', '/b'])

  const lease = await client.leaseGrant(60_000)
  await client.put('/leased', text('x'), { lease: lease.id })
  t.match(await client.leaseRevoke(lease.id), { ok: true, deleted: 1 })
  t.equal((await client.get('/leased')).kv, undefined)

  t.match(await client.delete({ key: '/', prefix: true }, { prevKv: true }), { ok: true, deleted: 2 })
  await t.rejects(client.get('/a', { revision: 10_000 }), StoreError)
})

t.test('store client - a watch sees every write once across kill -9 of the leader', async (t) => {
  const { client, hosts } = await fixture(t)
  await client.put('/w/start', text('0'))
  const seen: WatchEvent[] = []
  const watch = await client.watch({ key: '/w/', prefix: true }, (events) => seen.push(...events))
  const writes = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await client.put(`/w/${i}`, text(String(i)))
  }
  await writes(0, 20)
  await waitFor(() => seen.length === 20 || undefined, { timeoutMs: 10_000, what: 'the first 20 events' })
  const leader = client.leaderGuess
  await hosts.get(leader)!.stop('SIGKILL')
  await writes(20, 40)
  await waitFor(() => seen.length >= 40 || undefined, { timeoutMs: 30_000, what: 'the events after the failover' })
  t.same(seen.map((e) => e.kv.key), Array.from({ length: 40 }, (_, i) => `/w/${i}`), 'in order, no gaps, no duplicates')
  t.not(client.leaderGuess, leader)
  t.equal(watch.lastRevision, seen[39]!.revision)
  await watch.cancel()
})
