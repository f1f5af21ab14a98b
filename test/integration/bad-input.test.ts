/**
 * Bad input at a real host: malformed msgpack, an oversized body, a body that is not an event and
 * an event type the actor does not accept are each dropped, logged and counted; requests get a
 * `net.refused` answer; the actor keeps working. A crashing actor is restarted by its supervisor.
 */
import t from 'tap'
import { encodeEvent } from '../../runtime/codec.ts'
import type { DropReason } from '../../runtime/metrics.ts'
import { echo, echoStats, probe } from '../helpers/client.ts'
import { startCluster } from '../helpers/cluster.ts'
import { msgStartsWith, type LogRecord } from '../helpers/hosts.ts'
import { scrapeMetrics } from '../helpers/metrics.ts'
import { waitFor } from '../helpers/wait.ts'

const MAX_BYTES = 4096

const cluster = await startCluster(t, [
  { host: 'x', maxMessageBytes: MAX_BYTES, backoff: { initialMs: 50, maxMs: 1_000, stableMs: 5_000 }, actors: [{ kind: 'echo', id: 'x' }] },
])
const { client } = cluster
const x = cluster.host('x')
const inbox = client.subject(echo('x'))

interface BadInput {
  readonly name: string
  readonly reason: DropReason
  readonly body: Uint8Array
}

const badInputs: readonly BadInput[] = [
  // A fixarray announcing two elements that holds one: the decoder runs out of bytes.
  { name: 'truncated msgpack', reason: 'malformed', body: Uint8Array.of(0x92, 0x01) },
  { name: `a body over maxMessageBytes (${MAX_BYTES})`, reason: 'oversized', body: encodeEvent({ type: 'echo.ping', seq: 1, payload: new Uint8Array(MAX_BYTES + 100) }) },
  // {"seq": 1}: valid msgpack, but no "type".
  { name: 'a map without a type', reason: 'not-an-event', body: Uint8Array.of(0x81, 0xa3, 0x73, 0x65, 0x71, 0x01) },
  { name: 'an event type echo does not accept', reason: 'unknown-type', body: encodeEvent({ type: 'echo.bogus' }) },
]

const droppedLogs = (reason: string): LogRecord[] => x.logs().filter((r) => msgStartsWith(r, 'dropped message') && r.reason === reason)

for (const input of badInputs) {
  t.test(`bad input - ${input.name} is refused, dropped and logged as ${input.reason}`, async (t) => {
    const refusal = await client.requestBytes(inbox, input.body)
    t.match(refusal, { type: 'net.refused', reason: input.reason, message: String }, 'the request is answered with net.refused')

    client.publishBytes(inbox, input.body)
    await client.flush()
    // The sampler logs the 1st, 2nd, 4th... drop per reason: both of these are logged.
    const logged = await waitFor(() => (droppedLogs(input.reason).length >= 2 ? droppedLogs(input.reason) : undefined), {
      what: `two "dropped message" records with reason ${input.reason}`,
    })
    t.match(logged[0], { level: 40, actor: 'echo/x', reason: input.reason, count: 1 }, 'the first drop is logged as a warning naming the actor')
    t.match(logged[1], { count: 2 }, 'the second drop is logged with its running count')

    const metrics = await scrapeMetrics(x.metricsPort!)
    t.equal(metrics.value('actorkube_messages_dropped_total', { reason: input.reason }), 2, `actorkube_messages_dropped_total{reason="${input.reason}"} counts both`)

    const stats = await echoStats(client, 'x')
    t.equal(stats.received, 0, 'echo x never saw the bad message and still answers')
  })
}

t.test('bad input - the actor keeps working and /metrics counts what it was given', async (t) => {
  const pong = await client.request(echo('x'), { type: 'echo.ping', seq: 5 })
  t.match(pong, { type: 'echo.pong', seq: 5, by: 'x', received: 1 }, 'echo x answers a good ping after all the bad input')
  const metrics = await scrapeMetrics(x.metricsPort!)
  t.equal(metrics.value('actorkube_messages_in_total', { type: 'echo.ping' }), 1, 'one echo.ping was delivered')
  t.ok(metrics.value('actorkube_messages_in_total', { type: 'echo.stats' }) >= badInputs.length, 'every echo.stats was delivered')
  t.equal(metrics.value('actorkube_messages_in_total', { type: 'echo.bogus' }), 0, 'the refused type never counts as delivered')
  for (const reason of ['malformed', 'oversized', 'not-an-event', 'unknown-type']) {
    t.equal(metrics.value('actorkube_messages_dropped_total', { reason }), 2, `two drops for ${reason}`)
  }
  t.equal(metrics.series('actorkube_messages_dropped_total')[0]?.labels.host, 'x', 'series carry the host label')
})

t.test('bad input - an address field that is no address is dropped as invalid, without crashing the actor', async (t) => {
  const before = await echoStats(client, 'x')
  t.match(await client.request(echo('x'), { type: 'echo.blast', to: 'nowhere', count: 2 }), { type: 'echo.blast.started' }, 'the blast itself is accepted')
  t.match(await client.request(echo('x'), { type: 'echo.ping', seq: 8, report: 'garbage' }), { type: 'echo.pong', seq: 8 }, 'a ping with a bad report address is answered')
  const metrics = await waitFor(
    async () => {
      const page = await scrapeMetrics(x.metricsPort!)
      return page.value('actorkube_messages_dropped_total', { reason: 'invalid' }) >= 3 ? page : undefined
    },
    { what: 'three drops with reason invalid' },
  )
  t.equal(metrics.value('actorkube_messages_dropped_total', { reason: 'invalid' }), 3, 'two blast pings and one report were dropped')
  t.equal(metrics.value('actorkube_actor_restarts_total'), 0, 'the actor was not restarted')
  const logged = await x.waitForLog((r) => msgStartsWith(r, 'dropped message: bad address') && r.reason === 'invalid', { what: 'the invalid-address drop record' })
  t.match(logged, { actor: 'echo/x', msg: /invalid component/ }, 'the drop is logged with what was wrong')
  t.equal((await echoStats(client, 'x')).received, before.received + 1, 'echo x kept its state')
})

t.test('bad input - a request to an invalid address fails the request instead of the host process', async (t) => {
  const reports = client.listen(probe('pingpong'))
  await client.flush()
  await client.request(echo('x'), { type: 'echo.pingpong', to: 'garbage', count: 1, report: probe('pingpong') })
  const [done] = await reports.waitFor((events) => events.length > 0, { what: 'the pingpong report' })
  t.match(done, { type: 'echo.pingpong.done', by: 'x', count: 1, replies: 0, failed: 1 }, 'the request failed as refused')
  t.equal(x.process.child.exitCode, null, 'host x is still running')
  t.match(await client.request(echo('x'), { type: 'echo.ping', seq: 9 }), { type: 'echo.pong', seq: 9 }, 'and echo x answers')
})

t.test('bad input - an echo.blast whose count is not a number is an empty blast, not a wedged actor', async (t) => {
  t.match(await client.request(echo('x'), { type: 'echo.blast', to: echo('x'), count: 'many' }), { type: 'echo.blast.started' }, 'the blast is accepted')
  const reports = client.listen(probe('self-blast'))
  await client.flush()
  const started = await client.request(echo('x'), { type: 'echo.blast', to: echo('x'), count: 3, report: probe('self-blast') })
  t.match(started, { type: 'echo.blast.started', count: 3 }, 'echo x is idle again and takes the next blast')
  const [pong] = await reports.waitFor((events) => events.length > 0, { what: 'the self-blast report' })
  t.match(pong, { type: 'echo.pong', seq: 2, by: 'x' }, 'and that blast completes')
})

t.test('supervision - echo.crash makes the actor fail; the supervisor restarts it and it answers again', async (t) => {
  await client.request(echo('x'), { type: 'echo.ping', seq: 6 })
  t.ok((await echoStats(client, 'x')).received > 0, 'echo x has state before the crash')

  client.send(echo('x'), { type: 'echo.crash', reason: 'integration drill' })
  const failed = await x.waitForLog((r) => msgStartsWith(r, 'actor failed'), { what: 'the "actor failed" record' })
  t.match(failed, { level: 50, actor: 'echo/x', error: /integration drill/, retryInMs: 50 }, 'the failure is logged with its error and backoff')
  const restarted = await x.waitForLog((r) => msgStartsWith(r, 'actor restarted'), { what: 'the "actor restarted" record' })
  t.match(restarted, { actor: 'echo/x', restarts: 1 }, 'the restart is logged')

  // While the actor is down its subscription is gone: retry until the new incarnation answers.
  const stats = await waitFor(() => echoStats(client, 'x', 500), { timeoutMs: 10_000, what: 'the restarted echo x to answer' })
  t.equal(stats.received, 0, 'the restarted actor starts from fresh state')
  t.match(await client.request(echo('x'), { type: 'echo.ping', seq: 7 }), { type: 'echo.pong', seq: 7, received: 1 }, 'and answers pings')

  const metrics = await scrapeMetrics(x.metricsPort!)
  t.equal(metrics.value('actorkube_actor_restarts_total', { actor: 'echo/x' }), 1, 'actorkube_actor_restarts_total counts the restart')
  t.equal(metrics.value('actorkube_actors_running'), 1, 'the host still reports one running actor')
})
