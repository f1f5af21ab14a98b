/**
 * Fault injection observed over real NATS: every fault kind, a partition and a paused actor,
 * each switched on and off through the hosts' chaos control subjects by a raw client.
 */
import t from 'tap'
import { RequestTimeoutError } from '../../runtime/transport/requester.ts'
import { encodeEvent, type WireEvent } from '../../runtime/codec.ts'
import { chaosSubject } from '../../runtime/subjects.ts'
import { ChaosCommandError, echo, echoStats, probe, type RawClient } from '../helpers/client.ts'
import { startCluster } from '../helpers/cluster.ts'
import type { TestHost } from '../helpers/hosts.ts'
import { scrapeMetrics } from '../helpers/metrics.ts'
import { waitFor } from '../helpers/wait.ts'

const cluster = await startCluster(t, [
  { host: 'a', seed: 1, actors: [{ kind: 'echo', id: 'a' }] },
  { host: 'b', seed: 2, actors: [{ kind: 'echo', id: 'b' }] },
])
const { client } = cluster
const a = cluster.host('a')
const b = cluster.host('b')
const toB = client.subject(echo('b'))

/** Asks echo `from` to blast `count` pings at echo `to`; the last one asks `to` to report to `report`. */
async function blast(from: string, to: string, count: number, report: string): Promise<void> {
  const started = await client.request(echo(from), { type: 'echo.blast', to: echo(to), count, report: probe(report) })
  if (started.type !== 'echo.blast.started') throw new Error(`echo ${from} answered echo.blast with ${JSON.stringify(started)}`)
}

async function faultsApplied(host: TestHost, kind: string): Promise<number> {
  return (await scrapeMetrics(host.metricsPort!)).value('actorkube_faults_applied_total', { kind })
}

/** Waits until `host` has applied at least `target` faults of `kind` since it started. */
function faultsReach(host: TestHost, kind: string, target: number): Promise<number> {
  return waitFor(async () => {
    const n = await faultsApplied(host, kind)
    return n >= target ? n : undefined
  }, { timeoutMs: 10_000, what: `host ${host.name} to apply ${target} ${kind} faults in all` })
}

/** Every test leaves both hosts without rules, partition or pauses, whatever happened in it. */
async function resetChaos(raw: RawClient): Promise<void> {
  for (const host of ['a', 'b']) {
    await raw.chaos(host, { type: 'chaos.clear' }).catch(() => undefined)
    await raw.chaos(host, { type: 'chaos.heal' }).catch(() => undefined)
    await raw.chaos(host, { type: 'chaos.resume', actor: `echo/${host}` }).catch(() => undefined)
  }
}

const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!

async function roundTrips(id: string, n: number): Promise<number[]> {
  const times: number[] = []
  for (let seq = 0; seq < n; seq++) {
    const started = performance.now()
    await client.request(echo(id), { type: 'echo.ping', seq }, { timeoutMs: 5_000 })
    times.push(performance.now() - started)
  }
  return times
}

t.test('chaos - status answers, and a bad command is answered with chaos.error', async (t) => {
  const status = await client.chaos('a', { type: 'chaos.status' })
  const { roles: _roles, actors: _actors, ...faults } = status as typeof status & { roles?: unknown; actors?: unknown }
  t.same(faults, { type: 'chaos.status', host: 'a', rules: [], partitionedFrom: [], paused: [], leases: [] }, 'a fresh host has no faults in force')

  const control = chaosSubject('c1', 'a')
  const badKind = await client.requestBytes(control, encodeEvent({ type: 'chaos.fault', rule: { id: 'x', kind: 'explode', subject: toB } }))
  t.match(badKind, { type: 'chaos.error', host: 'a', message: /rule\.kind/ }, 'an unknown fault kind is refused, naming the field')
  const noActor = await client.requestBytes(control, encodeEvent({ type: 'chaos.pause' }))
  t.match(noActor, { type: 'chaos.error', message: /actor/ }, 'a pause without an actor is refused')
  const unknown = await client.requestBytes(control, encodeEvent({ type: 'chaos.meteor' }))
  t.match(unknown, { type: 'chaos.error', message: /unknown chaos command/ }, 'an unknown command is refused')
  await t.rejects(client.chaos('a', { type: 'chaos.partition', groups: [['a']] }), ChaosCommandError, 'the client helper turns chaos.error into an error')
  t.same(await client.chaos('a', { type: 'chaos.status' }), status, 'refused commands change nothing')
})

t.test('drop - probability 1 on the peer subject stops a blast; clearing the rule lets it through', async (t) => {
  t.teardown(() => resetChaos(client))
  const count = 200
  const status = await client.chaos('a', { type: 'chaos.fault', rule: { id: 'drop-b', kind: 'drop', subject: toB, probability: 1 } })
  t.match(status.rules, [{ id: 'drop-b', kind: 'drop', subject: toB, probability: 1 }], 'host a reports the rule in force')

  const before = await echoStats(client, 'b')
  const dropsBefore = await faultsApplied(a, 'drop')
  const wire = client.listen(toB)
  const reports = client.listen(probe('drop'))
  await client.flush()
  await blast('a', 'b', count, 'drop')
  // Host a drops before publishing, so once it has counted every drop nothing is in flight.
  await faultsReach(a, 'drop', dropsBefore + count)
  const during = await echoStats(client, 'b')
  t.equal(during.received, before.received, 'echo b received none of the dropped pings')
  t.equal(wire.events().filter((e) => e.type === 'echo.ping').length, 0, 'no ping reached the wire')
  t.equal(reports.events().length, 0, 'no report came back')

  const cleared = await client.chaos('a', { type: 'chaos.clear', id: 'drop-b' })
  t.same(cleared.rules, [], 'the rule is gone')
  await blast('a', 'b', count, 'drop')
  const [pong] = await reports.waitFor((events) => events.length > 0, { what: 'the report after clearing' })
  t.match(pong, { type: 'echo.pong', seq: count - 1, received: before.received + count }, 'every ping of the second blast arrived')
})

t.test('delay - a delay rule on reply subjects adds about delayMs to each round trip', async (t) => {
  t.teardown(() => resetChaos(client))
  const delayMs = 300
  const baseline = median(await roundTrips('a', 10))
  await client.chaos('a', { type: 'chaos.fault', rule: { id: 'slow-replies', kind: 'delay', subject: '_INBOX.>', probability: 1, delayMs, jitterMs: 0 } })
  const delayed = await roundTrips('a', 5)
  t.ok(Math.min(...delayed) >= delayMs, `every delayed round trip took at least ${delayMs} ms (min ${Math.min(...delayed).toFixed(1)} ms)`)
  const added = median(delayed) - baseline
  t.ok(added >= delayMs * 0.9 && added <= delayMs + 300, `the median round trip grew by ~${delayMs} ms (by ${added.toFixed(1)} ms, baseline ${baseline.toFixed(1)} ms)`)
  t.ok((await faultsApplied(a, 'delay')) >= 5, 'host a counts the delays it applied')

  await client.chaos('a', { type: 'chaos.clear', id: 'slow-replies' })
  const after = median(await roundTrips('a', 5))
  t.ok(after < delayMs / 2, `round trips are fast again once cleared (median ${after.toFixed(1)} ms)`)
})

t.test('duplicate - every ping of a blast arrives twice', async (t) => {
  t.teardown(() => resetChaos(client))
  const count = 300
  await client.chaos('a', { type: 'chaos.fault', rule: { id: 'dup-b', kind: 'duplicate', subject: toB, probability: 1 } })
  const before = await echoStats(client, 'b')
  const reports = client.listen(probe('dup'))
  await client.flush()
  await blast('a', 'b', count, 'dup')

  // The last ping carries the report, so its two copies make two reports.
  const pongs = await reports.waitFor((events) => events.length >= 2, { what: 'two reports for the duplicated last ping' })
  t.same(
    pongs.map((p) => p.received),
    [before.received + 2 * count - 1, before.received + 2 * count],
    'echo b had counted every ping twice by the second report',
  )
  const after = await echoStats(client, 'b')
  t.equal(after.received - before.received, 2 * count, 'echo b received exactly twice the blast')
})

t.test('reorder - held pings overtake each other on the wire and all arrive', async (t) => {
  t.teardown(() => resetChaos(client))
  const count = 200
  await client.chaos('a', { type: 'chaos.fault', rule: { id: 'shuffle-b', kind: 'reorder', subject: toB, probability: 1, delayMs: 50 } })
  const before = await echoStats(client, 'b')
  const wire = client.listen(toB)
  await client.flush()
  await blast('a', 'b', count, 'reorder')

  const pings = (await wire.waitFor((events) => events.filter((e) => e.type === 'echo.ping').length >= count, { what: `${count} pings on the wire` })).filter(
    (e) => e.type === 'echo.ping',
  )
  const seqs = pings.map((p) => p.seq as number)
  const inversions = seqs.filter((seq, i) => i > 0 && seq < seqs[i - 1]!).length
  t.ok(inversions > 0, `pings arrived out of order (${inversions} inversions in ${count})`)
  t.same([...seqs].sort((x, y) => x - y), Array.from({ length: count }, (_, i) => i), 'every ping arrived exactly once')
  const after = await waitFor(async () => {
    const stats = await echoStats(client, 'b')
    return stats.received - before.received >= count ? stats : undefined
  }, { what: 'echo b to count the reordered blast' })
  t.equal(after.received - before.received, count, 'echo b received the whole blast')
  t.ok((await faultsApplied(a, 'reorder')) > 0, 'host a counts the reorders it applied')
})

t.test('partition - a and b stop hearing each other; an outside client still reaches b; heal restores', async (t) => {
  t.teardown(() => resetChaos(client))
  const count = 200
  const wire = client.listen(toB)
  const reports = client.listen(probe('partition'))
  await client.flush()

  // A partition only holds if every host knows it: senders stamp their name, receivers filter.
  client.chaosAll({ type: 'chaos.partition', groups: [['a'], ['b']] })
  t.same((await client.chaos('a', { type: 'chaos.status' })).partitionedFrom, ['b'], 'a is cut off from b')
  t.same((await client.chaos('b', { type: 'chaos.status' })).partitionedFrom, ['a'], 'b is cut off from a')

  const before = await echoStats(client, 'b')
  const cutBefore = await faultsApplied(b, 'partition')
  await blast('a', 'b', count, 'partition')
  await faultsReach(b, 'partition', cutBefore + count)
  const seen = await wire.waitFor((events) => events.filter((e) => e.type === 'echo.ping').length >= count, { what: 'the pings on the wire' })
  t.equal(seen.filter((e) => e.type === 'echo.ping').length, count, 'the pings did cross the wire')
  t.equal((await echoStats(client, 'b')).received, before.received, 'echo b was given none of them')
  t.equal(reports.events().length, 0, 'no report came back')

  const pong = await client.request(echo('b'), { type: 'echo.ping', seq: 42 })
  t.match(pong, { type: 'echo.pong', seq: 42, by: 'b' }, 'a client in no group still reaches echo b')

  client.chaosAll({ type: 'chaos.heal' })
  t.same((await client.chaos('a', { type: 'chaos.status' })).partitionedFrom, [], 'a is healed')
  t.same((await client.chaos('b', { type: 'chaos.status' })).partitionedFrom, [], 'b is healed')
  const healedFrom = await echoStats(client, 'b')
  await blast('a', 'b', count, 'partition')
  const [report] = await reports.waitFor((events) => events.length > 0, { what: 'the report after healing' })
  t.match(report, { type: 'echo.pong', seq: count - 1, received: healedFrom.received + count }, 'after healing the whole blast arrives')
})

t.test('pause - requests to a paused actor wait, then are answered in order on resume', async (t) => {
  t.teardown(() => resetChaos(client))
  const before = await echoStats(client, 'b')
  const status = await client.chaos('b', { type: 'chaos.pause', actor: 'echo/b' })
  t.same(status.paused, ['echo/b'], 'echo b is paused')

  await t.rejects(client.request(echo('b'), { type: 'echo.ping', seq: 0 }, { timeoutMs: 300 }), RequestTimeoutError, 'a short request times out')

  const answered: number[] = []
  const pending = [1, 2, 3, 4, 5].map((seq) =>
    client.request(echo('b'), { type: 'echo.ping', seq }, { timeoutMs: 15_000 }).then((reply: WireEvent) => {
      answered.push(reply.seq as number)
      return reply
    }),
  )
  // Host b reads one connection in order: once it answers this, it has queued the five pings.
  await client.chaos('b', { type: 'chaos.status' })
  t.same(answered, [], 'nothing is answered while paused')
  t.match(await client.request(echo('a'), { type: 'echo.ping', seq: 9 }), { by: 'a' }, 'echo a, not paused, answers meanwhile')

  const resumed = await client.chaos('b', { type: 'chaos.resume', actor: 'echo/b' })
  t.same(resumed.paused, [], 'echo b is resumed')
  const replies = await Promise.all(pending)
  t.same(answered, [1, 2, 3, 4, 5], 'the queued requests are answered in the order sent')
  // The ping whose request timed out was queued first, so it is handled first: received + 1.
  t.same(
    replies.map((r) => r.received),
    [2, 3, 4, 5, 6].map((n) => before.received + n),
    'echo b handled the timed-out ping, then the five, one after another',
  )
  const stats = await echoStats(client, 'b')
  t.equal(stats.lastSeq, 5, 'the last ping echo b handled is the last one sent')
})
