/**
 * A watch whose `store.watching` answer is late. The StoreClient retries `store.watch` like any
 * call, with the same request, so the same watchId. Regression: the replica used to open the
 * watch a second time, numbering its pushes from 1 again while the client already held pushes
 * numbered by the first opening, so its gap detection missed events. Now a retried open is a
 * no-op at the same replica, and pushes name their replica so a retry elsewhere is told apart.
 *
 * Found by store-linearizable.test.ts (seed 1377714030, during a reply-drop rule on _INBOX.>);
 * made deterministic here: a watch served by one follower, replies from its host delayed past the client's request
 * timeout for the first try only, writes flowing throughout.
 */
import t from 'tap'
import type { WatchEvent } from '../../actors/store/mvcc/types.ts'
import { checkWatchStream, describeWatchReport } from '../../runtime/check/watch.ts'
import { decode, hostOf, storeCluster, text } from '../helpers/store-cluster.ts'
import { delay, waitFor } from '../helpers/wait.ts'

const PREFIX = '/wr/'
const show = (e: WatchEvent) => `${e.revision}.${e.sub} ${e.type} ${e.kv.key}=${decode(e.kv.value) ?? ''}`

t.test('a watch re-requested after a late store.watching reply delivers every change once', async (t) => {
  const cluster = await storeCluster(t)
  const leader = (await cluster.leader()).id
  // The watch is served by a follower (store.watch is not leader-only), so that slowing its host's
  // replies does not slow the writes.
  const follower = ['s1', 's2', 's3'].find((id) => id !== leader)!
  const writer = cluster.client({ clientId: 'writer', requestTimeoutMs: 1000, deadlineMs: 10_000 })
  const base = (await writer.put(`${PREFIX}first`, text('0'))).revision
  for (let i = 0; i < 20; i++) await writer.put(`${PREFIX}b${i}`, text(String(i)))

  // Writes keep flowing while the watch opens, so each opening has a different backlog and pushes.
  let writing = true
  let n = 0
  const writes = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (writing) {
        await writer.put(`${PREFIX}k${n % 10}`, text(String(n++)))
        await delay(5)
      }
    }),
  )
  await delay(200)

  // Replies from the follower's host are late (600 ms > the watch client's 400 ms request timeout)
  // for the first try only: the rule is cleared before the retry goes out.
  const watcher = cluster.client({ clientId: 'watcher', replicas: [follower], requestTimeoutMs: 400, deadlineMs: 5000 })
  await cluster.chaos({ type: 'chaos.fault', rule: { id: 'late-replies', kind: 'delay', subject: '_INBOX.>', probability: 1, delayMs: 600 } }, [hostOf(follower)])
  const live: WatchEvent[] = []
  const opening = watcher.watch({ key: PREFIX, prefix: true, fromRevision: base }, (events) => void live.push(...events))
  await delay(100)
  await cluster.chaos({ type: 'chaos.clear' }, [hostOf(follower)])
  const watch = await opening

  await delay(1000)
  writing = false
  await writes
  const last = (await writer.get(`${PREFIX}k0`)).revision
  await waitFor(() => watch.lastRevision >= last || undefined, { timeoutMs: 5000, what: `the watch to reach ${last}` }).catch(() => undefined)
  await watch.cancel()

  // The store's own account of the changes, read by a fresh watch with nothing faulted.
  const replayClient = cluster.client({ clientId: 'replay' })
  const replay: WatchEvent[] = []
  const replayWatch = await replayClient.watch({ key: PREFIX, prefix: true, fromRevision: base }, (events) => void replay.push(...events))
  await waitFor(() => replayWatch.lastRevision >= last || undefined, { timeoutMs: 5000, what: 'the replay' })
  await replayWatch.cancel()
  t.ok(replay.length > 40, `writes kept flowing (${replay.length} changes)`)

  const report = checkWatchStream(
    live.map((e) => ({ revision: e.revision, key: e.kv.key, type: e.type === 'PUT' ? ('put' as const) : ('delete' as const) })),
    replay.map((e) => e.revision),
    { fromRevision: base, throughRevision: last },
  )
  t.ok(report.ok, describeWatchReport(report))
  t.same(live.map(show), replay.map(show), 'the watch delivered exactly the committed changes')
})
