/**
 * A network partition isolating the store leader (chaos partition between host processes on a
 * real nats-server): the isolated old leader stops serving writes and linearizable reads and steps
 * down (CheckQuorum) without inflating its term (PreVote); the majority elects a new leader and
 * keeps committing; after the heal the old leader rejoins as a follower without deposing the new
 * one, no acknowledged write is lost, the write sent to the isolated leader never appears, and
 * every replica converges to the same revision and contents.
 */
import t from 'tap'
import type { StatusReply } from '../../actors/store/replica/protocol.ts'
import { StoreError, StoreUnavailableError } from '../../runtime/store/store-client.ts'
import { hostOf, plain, storeCluster, text, decode, VOTERS } from '../helpers/store-cluster.ts'
import { delay, waitFor } from '../helpers/wait.ts'

const PREFIX = '/part/'

t.test('partitioned leader: minority stops, majority goes on, heal converges', async (t) => {
  const cluster = await storeCluster(t)
  const client = cluster.client({ requestTimeoutMs: 400, deadlineMs: 15_000 })
  const first = await cluster.leader()
  t.comment(`leader ${first.id} at term ${first.term}`)

  /** Every acknowledged write: key -> [value, revision]. */
  const acked = new Map<string, { value: string; revision: number }>()
  const put = async (key: string, value: string) => {
    const r = await client.put(PREFIX + key, text(value))
    acked.set(PREFIX + key, { value, revision: r.revision })
    return r
  }
  for (let i = 0; i < 10; i++) await put(`before/${i}`, `b${i}`)
  // Wait for every replica to apply them, so the partition does not also test catch-up.
  await cluster.converged(PREFIX)

  // ---- partition: the leader's host alone on one side ----
  const others = VOTERS.filter((id) => id !== first.id)
  await cluster.chaos({ type: 'chaos.partition', groups: [[hostOf(first.id)], others.map(hostOf)] })
  const partitionedAt = performance.now()

  // A client that only knows the old leader: its write is sent there at once (while the old leader
  // may still believe it leads) and must never be acknowledged.
  const isolated = cluster.client({ replicas: [first.id], requestTimeoutMs: 300, deadlineMs: 2000 })
  const minorityWrite = isolated.put(`${PREFIX}minority`, text('must-not-commit')).then(
    (r) => ({ ok: true as const, r }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  const minorityRead = isolated.get(`${PREFIX}before/0`).then(
    (r) => ({ ok: true as const, r }),
    (error: unknown) => ({ ok: false as const, error }),
  )

  // The majority elects a new leader (a higher term) and keeps committing.
  const second = await cluster.leader({ except: first.id })
  t.not(second.id, first.id, 'a replica of the majority leads')
  t.ok(second.term > first.term, `the new leader's term ${second.term} is above ${first.term}`)
  t.comment(`new leader ${second.id} at term ${second.term}, ${Math.round(performance.now() - partitionedAt)} ms after the partition`)
  for (let i = 0; i < 15; i++) await put(`during/${i}`, `d${i}`)

  const w = await minorityWrite
  t.notOk(w.ok, 'the write sent to the isolated old leader is not acknowledged')
  if (!w.ok) t.type(w.error, StoreUnavailableError, 'it times out / finds no leader')
  const r = await minorityRead
  t.notOk(r.ok, 'a linearizable read at the isolated old leader is not served')
  if (!r.ok) t.type(r.error, StoreError)

  // CheckQuorum: the old leader notices it lost the majority and steps down; PreVote: its failed
  // campaigns do not raise its term.
  const oldView = await waitFor(
    async () => {
      const s = (await cluster.statuses()).get(first.id)
      return s !== undefined && s.role !== 'leader' ? s : undefined
    },
    { timeoutMs: 5000, what: 'the isolated old leader to step down' },
  )
  // A replica that knows no leader must still be able to say so (regression: its status reply
  // once carried `leader: undefined`, which the codec refused).
  if (oldView.leader === undefined) {
    const viaClient = await cluster.client({ replicas: [first.id] }).status(first.id).then(
      (s) => `role ${s.role}`,
      (error: unknown) => String(error),
    )
    t.match(viaClient, /^role /, `StoreClient.status() of a leaderless replica answers (got: ${viaClient})`)
  }
  // Let the isolated replica time out a few more elections (200-400 ms each by default).
  await delay(1500)
  const isolatedStatus = (await cluster.statuses()).get(first.id)!
  t.ok(isolatedStatus !== undefined && isolatedStatus.role !== 'leader', `the isolated replica is a ${isolatedStatus?.role}`)
  t.equal(isolatedStatus.term, first.term, 'PreVote: the isolated replica did not raise its term while cut off')
  t.ok(oldView.commit <= isolatedStatus.commit, 'its commit index does not go backwards')
  const isolatedRevision = isolatedStatus.revision
  // Serializable reads at the isolated replica are stale but consistent: none of the majority's writes.
  const staleReader = cluster.client({ replicas: [first.id], requestTimeoutMs: 500, deadlineMs: 2000 })
  const stale = await staleReader.range({ key: PREFIX, prefix: true }, { serializable: true })
  t.equal(stale.kvs.filter((kv) => kv.key.startsWith(`${PREFIX}during/`)).length, 0, 'the isolated replica saw none of the majority writes')
  t.equal(stale.revision, isolatedRevision)

  const majorityBeforeHeal = await cluster.leader({ except: first.id })
  t.equal(majorityBeforeHeal.id, second.id, 'the majority kept one leader through the partition')

  // ---- heal ----
  await cluster.chaos({ type: 'chaos.heal' })
  const healedAt = performance.now()
  // The old leader rejoins as a follower of the new leader, and catches up.
  const rejoined = await waitFor(
    async () => {
      const s = (await cluster.statuses()).get(first.id)
      return s?.role === 'follower' && s.leader === second.id && s.revision >= majorityBeforeHeal.revision ? s : undefined
    },
    { timeoutMs: 10_000, what: `${first.id} to follow ${second.id} and catch up` },
  )
  t.comment(`${first.id} rejoined as follower at term ${rejoined.term}, ${Math.round(performance.now() - healedAt)} ms after the heal`)
  for (let i = 0; i < 10; i++) await put(`after/${i}`, `a${i}`)

  const after = await cluster.leader()
  t.equal(after.id, second.id, 'the new leader was not deposed by the rejoining replica')
  t.equal(after.term, second.term, "the rejoining replica did not disrupt the new leader's term")

  // ---- convergence ----
  const { revision, perReplica } = await cluster.converged(PREFIX)
  const contents = [...perReplica.values()].map((c) => c.kvs.map(plain))
  for (const [id, c] of perReplica) {
    t.equal(c.revision, revision, `${id} is at revision ${revision}`)
    t.same(c.kvs.map(plain), contents[0], `${id} has the same contents as ${VOTERS[0]}`)
  }
  const final = new Map(perReplica.get(second.id)!.kvs.map((kv) => [kv.key, kv]))
  t.equal(final.size, acked.size, 'exactly the acknowledged keys exist')
  const lost = [...acked].filter(([key, a]) => decode(final.get(key)?.value) !== a.value || final.get(key)?.modRevision !== a.revision)
  t.same(lost, [], 'every acknowledged write is there, at the revision it was acknowledged with')
  t.notOk(final.has(`${PREFIX}minority`), 'the write sent to the isolated leader never committed')
  // Revisions stayed dense: every revision after the first write belongs to one acknowledged put.
  const revisions = [...acked.values()].map((a) => a.revision).sort((a, b) => a - b)
  t.same(revisions, Array.from({ length: revisions.length }, (_, i) => revisions[0]! + i), 'acknowledged writes hold consecutive revisions')
  t.equal(revision, revisions.at(-1), 'nothing else was committed')

  const statuses = [...(await cluster.statuses()).values()] as StatusReply[]
  t.same(statuses.map((s) => s.term), statuses.map(() => second.term), 'every replica is in the new leader\'s term')
})
