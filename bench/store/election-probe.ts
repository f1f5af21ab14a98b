/**
 * A quick probe of the store's elections, for tuning timeouts: a 3-replica actorkube store under
 * C concurrent put clients for a while (does any follower unseat the busy leader? the terms before
 * and after tell), then failover trials on the idle cluster (kill -9 the leader, time to the next
 * committed put). Prints one JSON line with the load average before and after.
 *
 *   node --import tsx bench/store/election-probe.ts [--tick-ms=20] [--election-ticks=25]
 *     [--heartbeat-ticks=2] [--clients=256] [--load-ms=10000] [--value-bytes=256] [--trials=10] [--keep]
 *
 * Not part of `npm run bench`: the store suite's numbers are the record; this is the quick loop.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StoreClient } from '../../runtime/store/store-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { startActorkubeCluster } from './actorkube-cluster.ts'
import { actorkubeStore } from './actorkube-store.ts'
import { failoverTrial, percentiles, putThroughput } from './workload.ts'

const arg = (name: string, fallback: number): number => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${name}: expected a number, got ${JSON.stringify(raw)}`)
  return n
}
const loadavg = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')

async function main(): Promise<void> {
  const storeOptions: Record<string, number> = {}
  for (const [flag, option] of [['tick-ms', 'tickMs'], ['election-ticks', 'electionTicks'], ['heartbeat-ticks', 'heartbeatTicks']] as const) {
    const v = arg(flag, -1)
    if (v >= 0) storeOptions[option] = v
  }
  const clients = arg('clients', 256)
  const loadMs = arg('load-ms', 10_000)
  const trials = arg('trials', 10)
  const valueBytes = arg('value-bytes', 256)
  const loadBefore = await loadavg()
  const dir = await mkdtemp(join(tmpdir(), 'ak-election-probe-'))
  const cluster = await startActorkubeCluster({ replicas: 3, dir, storeOptions })
  const adminTransport = await NatsTransport.connect({ servers: [cluster.natsUrl], name: 'probe-admin' })
  const admin = new StoreClient({ transport: adminTransport, cluster: cluster.cluster, replicas: cluster.replicaIds, requestTimeoutMs: 500 })
  const terms = async () => (await Promise.all(cluster.replicaIds.map((id) => admin.status(id).then((s) => s.term, () => -1))))
  try {
    let load: Record<string, unknown> = {}
    if (loadMs > 0 && clients > 0) {
      const store = await actorkubeStore({ natsUrl: cluster.natsUrl, cluster: cluster.cluster, replicas: cluster.replicaIds, connections: 16 })
      const before = await terms()
      const run = await putThroughput(store, { concurrency: clients, durationMs: loadMs, prefix: 'probe/put/', keySpace: 10_000, valueBytes })
      const after = await terms()
      await store.close()
      load = { putsPerSecond: Math.round(run.count / run.seconds), latencyMs: run.latencyMs, termsBefore: before, termsAfter: after, leaderChanges: Math.max(...after) - Math.max(...before) }
    }
    const failover: number[] = []
    if (trials > 0) {
      const store = await actorkubeStore({ natsUrl: cluster.natsUrl, cluster: cluster.cluster, replicas: cluster.replicaIds, connections: 1 })
      for (let t = 0; t < trials; t++) {
        const trial = await failoverTrial(cluster, store.client(0), { key: 'probe/failover', attemptTimeoutMs: 100, giveUpMs: 30_000 })
        failover.push(Math.round(trial.recoveryMs))
        process.stderr.write(`trial ${t + 1}: ${Math.round(trial.recoveryMs)} ms\n`)
      }
      await store.close()
    }
    console.log(JSON.stringify({ storeOptions, clients, valueBytes, loadBefore, ...load, failoverMs: failover, ...(failover.length > 0 ? { failover: percentiles(failover) } : {}), loadAfter: await loadavg() }))
  } finally {
    await admin.close().catch(() => {})
    await adminTransport.close().catch(() => {})
    await cluster.stop()
    if (process.argv.includes('--keep')) process.stderr.write(`kept ${dir} (hosts.log)\n`)
    else await rm(dir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
