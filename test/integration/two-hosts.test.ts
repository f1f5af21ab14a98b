/**
 * Two host processes on one real nats-server exchange actor messages: a blast from an echo on
 * host a to an echo on host b, request/reply from outside both processes, and membership views.
 */
import t from 'tap'
import { NoRespondersError } from '../../runtime/transport/requester.ts'
import { echo, echoStats, member, probe } from '../helpers/client.ts'
import { startCluster } from '../helpers/cluster.ts'
import { msgStartsWith } from '../helpers/hosts.ts'
import { scrapeMetrics } from '../helpers/metrics.ts'
import { waitFor } from '../helpers/wait.ts'

const BEAT_MS = 200

const cluster = await startCluster(t, [
  { host: 'a', actors: [{ kind: 'echo', id: 'a' }, { kind: 'member', id: 'a', options: { intervalMs: BEAT_MS, roles: ['master'] } }] },
  { host: 'b', actors: [{ kind: 'echo', id: 'b' }, { kind: 'member', id: 'b', options: { intervalMs: BEAT_MS, roles: ['worker'] } }] },
])
const { client } = cluster

t.test('blast - 5,000 pings from an echo on host a arrive complete at an echo on host b', async (t) => {
  const count = 5_000
  const before = await echoStats(client, 'b')
  const reports = client.listen(probe('blast'))
  await client.flush()

  const started = await client.request(echo('a'), { type: 'echo.blast', to: echo('b'), count, report: probe('blast') })
  t.same(started, { type: 'echo.blast.started', count }, 'echo a acknowledges the blast')

  // The report rides on the last ping; NATS keeps one publisher's order, so it arrives last.
  const [pong] = await reports.waitFor((events) => events.length > 0, { timeoutMs: 20_000, what: 'the blast report from echo b' })
  t.match(pong, { type: 'echo.pong', seq: count - 1, by: 'b', host: 'b' }, 'echo b reports the last ping')
  t.equal(pong?.received, before.received + count, 'echo b had received every ping when the last one came')

  const after = await echoStats(client, 'b')
  t.equal(after.received - before.received, count, 'echo b counted exactly the blast')
  t.equal(after.lastSeq, count - 1, 'the last ping echo b saw was the last one sent')

  const metricsB = await scrapeMetrics(cluster.host('b').metricsPort!)
  t.ok(metricsB.value('actorkube_messages_in_total', { type: 'echo.ping' }) >= count, 'host b counts the pings it delivered')
  const metricsA = await scrapeMetrics(cluster.host('a').metricsPort!)
  t.ok(metricsA.value('actorkube_messages_out_total', { type: 'echo.ping' }) >= count, 'host a counts the pings it sent')
})

t.test('request - request/reply across processes, one at a time and 200 in flight', async (t) => {
  for (const id of ['a', 'b']) {
    const reply = await client.request(echo(id), { type: 'echo.ping', seq: 7 })
    t.match(reply, { type: 'echo.pong', seq: 7, by: id, host: id }, `echo ${id} answers a single request`)
  }

  const replies = await Promise.all(
    Array.from({ length: 200 }, (_, seq) => {
      const id = seq % 2 === 0 ? 'a' : 'b'
      return client.request(echo(id), { type: 'echo.ping', seq }, { timeoutMs: 5_000 }).then((reply) => ({ id, seq, reply }))
    }),
  )
  const mismatched = replies.filter(({ id, seq, reply }) => reply.type !== 'echo.pong' || reply.seq !== seq || reply.by !== id)
  t.same(mismatched, [], 'every one of 200 concurrent requests got its own answer from the right host')
})

t.test('request - an echo on host a requests an echo on host b 200 times in a row (pingpong)', async (t) => {
  const count = 200
  const before = await echoStats(client, 'b')
  const reports = client.listen(probe('pingpong'))
  await client.flush()
  const started = await client.request(echo('a'), { type: 'echo.pingpong', to: echo('b'), count, timeoutMs: 2_000, report: probe('pingpong') })
  t.same(started, { type: 'echo.pingpong.started', count }, 'echo a starts the run')
  const [done] = await reports.waitFor((events) => events.length > 0, { timeoutMs: 20_000, what: 'the pingpong report from echo a' })
  t.same(done, { type: 'echo.pingpong.done', by: 'a', count, replies: count, failed: 0 }, 'every request from a was answered by b')
  t.equal((await echoStats(client, 'b')).received - before.received, count, 'echo b handled each request once')
})

t.test('request - an actor nobody runs gives no-responders, not a timeout', async (t) => {
  const started = Date.now()
  await t.rejects(client.request(echo('nowhere'), { type: 'echo.ping', seq: 1 }, { timeoutMs: 5_000 }), NoRespondersError)
  t.ok(Date.now() - started < 5_000, 'the failure came before the timeout')
})

t.test('membership - each member view lists both hosts with their roles', async (t) => {
  for (const id of ['a', 'b']) {
    const view = await waitFor(
      async () => {
        const reply = await client.request(member(id), { type: 'member.view' })
        const peers = reply.peers as Record<string, { roles: string[] }> | undefined
        return peers && 'a' in peers && 'b' in peers ? { host: reply.host, peers } : undefined
      },
      { timeoutMs: 10_000, what: `member ${id} to see both hosts` },
    )
    t.equal(view.host, id, `member ${id} answers for its own host`)
    t.same(Object.keys(view.peers).sort(), ['a', 'b'], `member ${id} sees exactly a and b`)
    t.same(view.peers.a?.roles, ['master'], 'a announces its role')
    t.same(view.peers.b?.roles, ['worker'], 'b announces its role')
  }
})

t.test('membership - a host stopped with SIGTERM exits 0 and leaves the other view', async (t) => {
  const b = cluster.host('b')
  const code = await b.stop('SIGTERM')
  t.equal(code, 0, 'host b exits with code 0')
  t.ok(b.logs().some((r) => msgStartsWith(r, 'host stopped')), 'host b logs "host stopped"')

  const peers = await waitFor(
    async () => {
      const reply = await client.request(member('a'), { type: 'member.view' })
      const peers = reply.peers as Record<string, unknown>
      return 'b' in peers ? undefined : peers
    },
    { timeoutMs: 10_000, what: 'member a to drop host b from its view' },
  )
  t.same(Object.keys(peers), ['a'], 'member a now sees only itself')
})
