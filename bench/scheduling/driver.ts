/**
 * One scheduling scenario against a running `actorkube up` cluster, driven over NATS with
 * ApiClient: create the nodes (bounded concurrency), wait for the scheduler leader (the
 * `kube-system/kube-scheduler` Lease has a holder), then create the pods at full speed and follow
 * every pod with a watch on `/api/v1/pods`: a pod is bound when an event shows its
 * spec.nodeName. Per pod: client send time of the create -> arrival of that event.
 */
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../../runtime/apiserver/api-watch.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import type { ApiCluster } from '../api/cluster.ts'
import { createObject } from '../lib/create.ts'
import { cpuMeter } from '../lib/proc-cpu.ts'
import { NAMESPACE, nodeName, nodeObject, podName, podObject, zoneOf, type Case } from './scenarios.ts'

const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler'
const NODES = '/api/v1/nodes'
const PODS = `/api/v1/namespaces/${NAMESPACE}/pods`

export interface DriverOptions {
  readonly nodeConcurrency: number
  readonly podConcurrency: number
  readonly connections: number
  /** Give up when no pod was bound for this long after the last create. */
  readonly stallMs: number
  readonly progress: (message: string) => void
  /** Called once the scheduler leader is known and the nodes exist, just before the pods (profiling). */
  readonly beforePods?: (leaderHost: string, leaderPid: number | undefined) => Promise<void>
  /** Called right after the last pod was bound (or the run gave up). */
  readonly afterPods?: (leaderHost: string, leaderPid: number | undefined) => Promise<void>
}

export interface CaseResult {
  readonly case: Case
  readonly leader: string
  readonly nodeCreateSeconds: number
  readonly created: number
  readonly createFailures: number
  readonly createErrors: readonly string[]
  readonly bound: number
  readonly unbound: number
  /** First create sent -> last pod seen bound. */
  readonly seconds: number
  readonly podsPerSecond: number
  /** First create sent -> last create answered. */
  readonly createSeconds: number
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number }
  /** Pods bound per 1-s bucket from the first pod bound (last, partial bucket left out). */
  readonly throughput: { readonly p50: number; readonly p99: number; readonly max: number; readonly buckets: readonly number[] }
  /** Latency at percentiles 0, 1, ..., 100 (ms), for CDF charts. */
  readonly latencyCdfMs: readonly number[]
  readonly cpuSeconds: Readonly<Record<string, number>> | undefined
  readonly churn?: { readonly podsDeleted: number; readonly nodesAdded: number; readonly nodesDeleted: number }
  readonly timedOut: boolean
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

const r1 = (n: number) => Math.round(n * 10) / 10

/** Runs `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++)
    }),
  )
}

export async function runCase(cluster: ApiCluster, c: Case, o: DriverOptions): Promise<CaseResult> {
  const transports = await Promise.all(Array.from({ length: o.connections + 1 }, (_, i) => NatsTransport.connect({ servers: [cluster.natsUrl], name: `bench-sched-${i}` })))
  const clients = transports.map((transport) => new ApiClient({ transport, cluster: cluster.cluster, apiservers: cluster.apiserverIds, timeoutMs: 15_000 }))
  const watcher = clients[0]!
  const callers = clients.slice(1)
  let turn = 0
  const api = () => callers[turn++ % callers.length]!
  let watch: ApiWatch | undefined
  const stops: (() => void)[] = []
  try {
    // The namespace (the apiserver may not need it; a real cluster does).
    const ns = await api().call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } })
    if (ns.status >= 300 && ns.status !== 409) throw new Error(`create namespace: ${ns.status} ${JSON.stringify(ns.body)}`)

    const leader = await waitForLeader(api(), 60_000)
    const leaderPid = cluster.pids()[leader]
    o.progress(`${c.scenario} ${c.nodes} nodes: scheduler leader ${leader} (pid ${leaderPid ?? '?'})`)

    const tn = performance.now()
    let nodesDone = 0
    let lastNodeReport = tn
    await pool(c.nodes, o.nodeConcurrency, async (i) => {
      const r = await api().call('POST', NODES, { body: nodeObject(nodeName(i), zoneOf(i)) })
      if (r.status >= 300 && r.status !== 409) throw new Error(`create node ${nodeName(i)}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
      nodesDone++
      if (performance.now() - lastNodeReport > 5_000) {
        lastNodeReport = performance.now()
        o.progress(`  nodes ${nodesDone}/${c.nodes} (${Math.round(nodesDone / ((lastNodeReport - tn) / 1000))}/s)`)
      }
    })
    const nodeCreateSeconds = (performance.now() - tn) / 1000
    o.progress(`  created ${c.nodes} nodes in ${nodeCreateSeconds.toFixed(1)} s (${Math.round(c.nodes / nodeCreateSeconds)}/s)`)
    // Let the scheduler's node watch catch up with the node events before the pods come.
    await sleep(2_000)

    const sentAt = new Float64Array(c.pods).fill(NaN)
    const boundAt = new Float64Array(c.pods).fill(NaN)
    let bound = 0
    let lastBoundAt = 0
    const indexOf = (name: string | undefined): number => {
      if (name === undefined || !name.startsWith('pod-')) return -1
      const i = Number(name.slice(4))
      return Number.isInteger(i) && i >= 0 && i < c.pods ? i : -1
    }
    const churn = c.scenario === 'MixedChurn' ? { podsDeleted: 0, nodesAdded: 0, nodesDeleted: 0 } : undefined
    const deleteQueue: number[] = []
    const onEvents = (events: readonly WatchEvent[]) => {
      const now = performance.now()
      for (const e of events) {
        if (e.type === 'DELETED') continue
        const obj = e.object as { metadata?: { name?: string; namespace?: string }; spec?: { nodeName?: string } }
        if (obj.metadata?.namespace !== NAMESPACE || !obj.spec?.nodeName) continue
        const i = indexOf(obj.metadata.name)
        if (i < 0 || !Number.isNaN(boundAt[i]!)) continue
        boundAt[i] = now
        lastBoundAt = now
        bound++
        if (churn && i % 2 === 0) deleteQueue.push(i)
      }
    }
    watch = await watcher.watch(PODS, {}, { onEvents, onError: (e) => o.progress(`  pod watch ended: ${e.message}`) })

    await o.beforePods?.(leader, leaderPid)
    const meter = cpuMeter({ ...cluster.pids(), bench: process.pid })
    const t0 = performance.now()
    let created = 0
    let createFailures = 0
    const createErrors: string[] = []
    let lastCreateAt = t0
    let lastBoundReport = 0
    const reporter = setInterval(() => {
      const s = (performance.now() - t0) / 1000
      const rate = bound - lastBoundReport
      lastBoundReport = bound
      o.progress(`  ${c.scenario} ${c.nodes}n: created ${created}/${c.pods}, bound ${bound} (${Math.round(rate / 5)} pods/s last 5 s, ${Math.round(bound / s)} overall)${churn ? `, deleted ${churn.podsDeleted} pods, nodes +${churn.nodesAdded}/-${churn.nodesDeleted}` : ''}`)
    }, 5_000)
    stops.push(() => clearInterval(reporter))

    let creating = true
    const churnTasks: Promise<void>[] = []
    if (churn) {
      // Delete every other pod once bound (16 at a time) while the pods are being created.
      churnTasks.push(
        (async () => {
          const inFlight = new Set<Promise<void>>()
          while (creating || deleteQueue.length > 0) {
            const i = deleteQueue.shift()
            if (i === undefined) {
              if (!creating) break
              await sleep(20)
              continue
            }
            const p = api()
              .call('DELETE', `${PODS}/${podName(i)}`)
              .then((r) => {
                if (r.status < 300) churn.podsDeleted++
              }, () => {})
              .finally(() => inFlight.delete(p))
            inFlight.add(p)
            if (inFlight.size >= 16) await Promise.race(inFlight)
          }
          await Promise.all(inFlight)
        })(),
      )
      // Every 250 ms: one node added, one deleted (an added one and an original one in turn).
      churnTasks.push(
        (async () => {
          const added: string[] = []
          let original = 0
          let k = 0
          while (creating) {
            await sleep(250)
            const name = `churn-${String(k).padStart(5, '0')}`
            const r = await api().call('POST', NODES, { body: nodeObject(name, zoneOf(k)) })
            if (r.status < 300) {
              churn.nodesAdded++
              added.push(name)
            }
            const victim = k % 2 === 0 && added.length > 1 ? added.shift()! : nodeName(original++)
            const d = await api().call('DELETE', `${NODES}/${victim}`)
            if (d.status < 300) churn.nodesDeleted++
            k++
          }
        })(),
      )
    }

    await pool(c.pods, o.podConcurrency, async (i) => {
      const body = podObject(c.scenario, i, c.nodes)
      sentAt[i] = performance.now()
      const failure = await createObject(api(), PODS, body)
      if (failure === undefined) created++
      else {
        createFailures++
        if (createErrors.length < 5) createErrors.push(failure)
        sentAt[i] = NaN
      }
      lastCreateAt = performance.now()
    })
    const createSeconds = (lastCreateAt - t0) / 1000

    // Wait for the rest to be bound; give up after stallMs without progress.
    let timedOut = false
    let seen = bound
    let since = performance.now()
    while (bound < created) {
      await sleep(100)
      if (bound !== seen) {
        seen = bound
        since = performance.now()
      } else if (performance.now() - since > o.stallMs) {
        timedOut = true
        break
      }
    }
    const cpuSeconds = meter()
    await o.afterPods?.(leader, leaderPid)
    creating = false
    await Promise.all(churnTasks)
    clearInterval(reporter)

    const latencies: number[] = []
    for (let i = 0; i < c.pods; i++) {
      if (!Number.isNaN(sentAt[i]!) && !Number.isNaN(boundAt[i]!)) latencies.push(boundAt[i]! - sentAt[i]!)
    }
    latencies.sort((a, b) => a - b)
    const end = bound > 0 ? lastBoundAt : performance.now()
    const seconds = (end - t0) / 1000
    // Whole seconds from the first pod bound on (the last, partial second left out unless it is the only one).
    let firstBoundAt = Infinity
    for (let i = 0; i < c.pods; i++) if (boundAt[i]! < firstBoundAt) firstBoundAt = boundAt[i]!
    const span = bound > 0 ? (lastBoundAt - firstBoundAt) / 1000 : 0
    const bucketCount = Math.max(1, Math.floor(span))
    const buckets = new Array<number>(bucketCount).fill(0)
    for (let i = 0; i < c.pods; i++) {
      const b = Math.floor((boundAt[i]! - firstBoundAt) / 1000)
      if (b >= 0 && b < bucketCount) buckets[b]!++
    }
    const sortedBuckets = [...buckets].sort((a, b) => a - b)
    const result: CaseResult = {
      case: c,
      leader,
      nodeCreateSeconds: r1(nodeCreateSeconds),
      created,
      createFailures,
      createErrors,
      bound,
      unbound: created - bound,
      seconds: Math.round(seconds * 1000) / 1000,
      podsPerSecond: r1(bound / seconds),
      createSeconds: Math.round(createSeconds * 1000) / 1000,
      latencyMs: { p50: r1(percentile(latencies, 50)), p90: r1(percentile(latencies, 90)), p99: r1(percentile(latencies, 99)), max: r1(latencies.at(-1) ?? NaN) },
      throughput: { p50: percentile(sortedBuckets, 50), p99: percentile(sortedBuckets, 99), max: sortedBuckets.at(-1) ?? 0, buckets },
      latencyCdfMs: Array.from({ length: 101 }, (_, p) => r1(p === 0 ? (latencies[0] ?? NaN) : percentile(latencies, p))),
      cpuSeconds,
      ...(churn ? { churn: { ...churn } } : {}),
      timedOut,
    }
    return result
  } finally {
    for (const stop of stops) stop()
    await watch?.cancel().catch(() => {})
    await Promise.all(clients.map((cl) => cl.close().catch(() => {})))
    await Promise.all(transports.map((t) => t.close().catch(() => {})))
  }
}

/** The host id of the scheduler leader: the Lease's holderIdentity is `<host>_<random>`. */
async function waitForLeader(api: ApiClient, timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs
  let last = ''
  while (performance.now() < deadline) {
    const r = await api.call('GET', LEASE).catch((e: unknown) => ({ status: 0, body: String(e) }))
    const holder = (r.body as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity
    if (r.status === 200 && holder) return holder.slice(0, holder.lastIndexOf('_'))
    last = `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
    await sleep(250)
  }
  throw new Error(`no scheduler leader after ${timeoutMs} ms (last: ${last})`)
}
