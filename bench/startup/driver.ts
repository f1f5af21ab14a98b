/**
 * The startup suite's driver, against a running `actorkube up --hollow-nodes N` cluster, over
 * NATS with ApiClient: wait for the hollow nodes to be Ready (a node watch), then create pods
 * at a steady rate (a "wave") in a namespace of their own and follow them with a pod watch on
 * that namespace. Per pod: the create call sent -> the watch event showing spec.nodeName
 * (scheduled) -> the event showing status.phase=Running -> the event showing the Ready condition
 * True. Memory is read from /proc (VmRSS, VmHWM) of the cluster's processes.
 */
import { readFileSync } from 'node:fs'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import type { ApiWatch, WatchEvent } from '../../runtime/apiserver/api-watch.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import type { ApiCluster } from '../api/cluster.ts'
import { createObject } from '../lib/create.ts'
import { cpuMeter } from '../lib/proc-cpu.ts'
import { percentile } from '../scheduling/driver.ts'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const r1 = (n: number) => Math.round(n * 10) / 10

/** What each pod asks for: small, so that 110 fit a hollow node (4 CPU, 8Gi). */
export const POD_REQUESTS = { cpu: '10m', memory: '16Mi' } as const

export const podName = (i: number) => `pod-${String(i).padStart(6, '0')}`

export function podObject(namespace: string, i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName(i), namespace, labels: { app: 'startup-bench' } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9', resources: { requests: { ...POD_REQUESTS } } }] },
  } as unknown as KubeObject
}

/** ApiClients on their own NATS connections: one for watches, the rest round robin for calls. */
export interface Driver {
  readonly watcher: ApiClient
  api(): ApiClient
  /** Calls answered 429 (flow control) that the clients waited out and sent again, so far. */
  throttled(): number
  close(): Promise<void>
}

export async function connectDriver(cluster: ApiCluster, connections: number): Promise<Driver> {
  const transports = await Promise.all(Array.from({ length: connections + 1 }, (_, i) => NatsTransport.connect({ servers: [cluster.natsUrl], name: `bench-startup-${i}` })))
  const clients = transports.map((transport) => new ApiClient({ transport, cluster: cluster.cluster, apiservers: cluster.apiserverIds, timeoutMs: 30_000 }))
  const callers = clients.slice(1)
  let turn = 0
  return {
    watcher: clients[0]!,
    api: () => callers[turn++ % callers.length]!,
    throttled: () => clients.reduce((sum, c) => sum + c.throttled, 0),
    close: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})))
      await Promise.all(transports.map((t) => t.close().catch(() => {})))
    },
  }
}

interface NodeLike {
  metadata?: { name?: string }
  status?: { conditions?: { type?: string; status?: string }[] }
}

/**
 * Waits until `count` nodes are Ready (a watch on the nodes with their current objects first).
 * Returns how long that took and how many were Ready at the end (fewer when it timed out).
 */
export async function waitForNodesReady(driver: Driver, count: number, timeoutMs: number, progress: (m: string) => void): Promise<{ seconds: number; ready: number; timedOut: boolean }> {
  const t0 = performance.now()
  const ready = new Set<string>()
  const onEvents = (events: readonly WatchEvent[]) => {
    for (const e of events) {
      const node = e.object as unknown as NodeLike
      const name = node.metadata?.name
      if (!name) continue
      const isReady = e.type !== 'DELETED' && (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
      if (isReady) ready.add(name)
      else ready.delete(name)
    }
  }
  const watch = await driver.watcher.watch('/api/v1/nodes', {}, { onEvents, onError: (e) => progress(`  node watch ended: ${e.message}`) })
  try {
    let lastReport = t0
    while (ready.size < count) {
      const now = performance.now()
      if (now - t0 > timeoutMs) return { seconds: (now - t0) / 1000, ready: ready.size, timedOut: true }
      if (now - lastReport > 5_000) {
        lastReport = now
        progress(`  nodes Ready ${ready.size}/${count} after ${((now - t0) / 1000).toFixed(0)} s`)
      }
      await sleep(200)
    }
    return { seconds: (performance.now() - t0) / 1000, ready: ready.size, timedOut: false }
  } finally {
    await watch.cancel().catch(() => {})
  }
}

export interface Percentiles {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  /** How many pods the percentiles are over. */
  readonly n: number
}

export interface WaveOptions {
  readonly namespace: string
  readonly pods: number
  /** Creates per second; the i-th create is due at i / rate s after the first. */
  readonly rate: number
  /** Creates in flight at most; past it the driver falls behind its schedule (the backlog). */
  readonly maxInFlight: number
  /** Give up when nothing progressed (no create answered, no pod scheduled/Running/Ready) for this long. */
  readonly stallMs: number
  /** Give up this long after the last create was answered, progress or not. */
  readonly drainTimeoutMs: number
  readonly progress: (message: string) => void
  /** Process ids for CPU accounting. */
  readonly pids: Readonly<Record<string, number | undefined>>
  readonly label: string
}

export interface WaveResult {
  readonly namespace: string
  readonly pods: number
  readonly targetRate: number
  readonly created: number
  readonly createFailures: number
  readonly createErrors: readonly string[]
  /** Calls answered 429 TooManyRequests (apiserver flow control) and sent again after their Retry-After. */
  readonly throttled: number
  readonly scheduled: number
  readonly running: number
  readonly ready: number
  /** First create sent -> last create answered. */
  readonly createSeconds: number
  /** Creates answered / createSeconds. */
  readonly achievedCreateRate: number
  /** The most creates that were due but not yet sent (the path could not take them), and how late the last create was sent (s). */
  readonly backlog: { readonly maxPods: number; readonly lastSendLateSeconds: number }
  /** First create sent -> last pod seen Running. */
  readonly seconds: number
  /** Pods Running / seconds. */
  readonly runningPerSecond: number
  /** create sent -> Running (the SLI), -> Ready, -> scheduled, and scheduled -> Running. */
  readonly latencyMs: {
    readonly createToRunning: Percentiles
    readonly createToReady: Percentiles
    readonly createToScheduled: Percentiles
    readonly scheduledToRunning: Percentiles
  }
  /** create -> Running at percentiles 0, 1, ..., 100 (ms), for CDF charts. */
  readonly runningCdfMs: readonly number[]
  readonly cpuSeconds: Readonly<Record<string, number>> | undefined
  readonly timedOut: boolean
  readonly timeoutReason?: string
}

interface PodLike {
  metadata?: { name?: string; namespace?: string }
  spec?: { nodeName?: string }
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] }
}

function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b)
  return { p50: r1(percentile(values, 50)), p90: r1(percentile(values, 90)), p99: r1(percentile(values, 99)), max: r1(values.at(-1) ?? NaN), n: values.length }
}

/** An overloaded apiserver answers 500/503 now and then (a 429 ApiClient waits out itself): try again for up to a minute. */
async function retrying<T>(what: string, o: Pick<WaveOptions, 'progress' | 'label'>, attempt: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 60_000
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (performance.now() > deadline) throw error
      o.progress(`  ${o.label}: ${what} failed (${error instanceof Error ? error.message : String(error)}); retrying`)
      await sleep(2_000)
    }
  }
}

/** Creates `pods` pods at `rate`/s in a new namespace and follows each to Running and Ready. */
export async function runWave(driver: Driver, o: WaveOptions): Promise<WaveResult> {
  await retrying(`create namespace ${o.namespace}`, o, async () => {
    const failure = await createObject(driver.api(), '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } })
    if (failure !== undefined) throw new Error(failure)
  })
  const n = o.pods
  const sentAt = new Float64Array(n).fill(NaN)
  const scheduledAt = new Float64Array(n).fill(NaN)
  const runningAt = new Float64Array(n).fill(NaN)
  const readyAt = new Float64Array(n).fill(NaN)
  let scheduled = 0
  let running = 0
  let ready = 0
  let lastProgressAt = performance.now()
  let lastRunningAt = 0
  const indexOf = (name: string | undefined): number => {
    if (name === undefined || !name.startsWith('pod-')) return -1
    const i = Number(name.slice(4))
    return Number.isInteger(i) && i >= 0 && i < n ? i : -1
  }
  const onEvents = (events: readonly WatchEvent[]) => {
    const now = performance.now()
    for (const e of events) {
      if (e.type === 'DELETED') continue
      const pod = e.object as unknown as PodLike
      if (pod.metadata?.namespace !== o.namespace) continue
      const i = indexOf(pod.metadata.name)
      if (i < 0) continue
      if (pod.spec?.nodeName && Number.isNaN(scheduledAt[i]!)) {
        scheduledAt[i] = now
        scheduled++
        lastProgressAt = now
      }
      if (pod.status?.phase === 'Running' && Number.isNaN(runningAt[i]!)) {
        runningAt[i] = now
        running++
        lastProgressAt = now
        lastRunningAt = now
      }
      if ((pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') && Number.isNaN(readyAt[i]!)) {
        readyAt[i] = now
        ready++
        lastProgressAt = now
      }
    }
  }
  let watch: ApiWatch | undefined
  let reporter: ReturnType<typeof setInterval> | undefined
  try {
    watch = await retrying(`open the pod watch on ${o.namespace}`, o, () =>
      driver.watcher.watch(`/api/v1/namespaces/${o.namespace}/pods`, {}, { onEvents, onError: (e) => o.progress(`  ${o.label}: pod watch ended: ${e.message}`) }),
    )
    const meter = cpuMeter({ ...o.pids, bench: process.pid })
    const throttledBefore = driver.throttled()
    const t0 = performance.now()
    let sent = 0
    let created = 0
    let createFailures = 0
    const createErrors: string[] = []
    let inFlight = 0
    let lastAnsweredAt = t0
    let maxBacklog = 0
    let lastSendLate = 0
    let last = { created: 0, running: 0, at: t0 }
    reporter = setInterval(() => {
      const now = performance.now()
      const s = (now - t0) / 1000
      const due = Math.min(n, Math.floor(((now - t0) / 1000) * o.rate) + 1)
      const dt = (now - last.at) / 1000
      o.progress(
        `  ${o.label}: ${s.toFixed(0)} s: sent ${sent}/${n} (backlog ${due - sent}), created ${created} (${Math.round((created - last.created) / dt)}/s), ` +
          `scheduled ${scheduled}, Running ${running} (${Math.round((running - last.running) / dt)}/s), Ready ${ready}, in flight ${inFlight}`,
      )
      last = { created, running, at: now }
    }, 5_000)

    const create = async (i: number) => {
      inFlight++
      sentAt[i] = performance.now()
      const failure = await createObject(driver.api(), `/api/v1/namespaces/${o.namespace}/pods`, podObject(o.namespace, i))
      if (failure === undefined) created++
      else {
        // A create that timed out may still have been stored: such a pod is left out of the counts and latencies.
        createFailures++
        if (createErrors.length < 5) createErrors.push(failure)
        sentAt[i] = NaN
      }
      inFlight--
      lastAnsweredAt = performance.now()
      lastProgressAt = lastAnsweredAt
    }

    // The pacer: every few ms, send the creates that are due (as many as the in-flight cap allows).
    const creates: Promise<void>[] = []
    while (sent < n) {
      const now = performance.now()
      const due = Math.min(n, Math.floor(((now - t0) / 1000) * o.rate) + 1)
      maxBacklog = Math.max(maxBacklog, due - sent)
      while (sent < due && inFlight < o.maxInFlight) {
        if (sent === n - 1) lastSendLate = (now - (t0 + ((n - 1) / o.rate) * 1000)) / 1000
        creates.push(create(sent++))
      }
      if (sent < n) await sleep(inFlight >= o.maxInFlight ? 1 : Math.max(1, Math.min(20, t0 + (sent / o.rate) * 1000 - performance.now())))
    }
    await Promise.all(creates)
    const createSeconds = (lastAnsweredAt - t0) / 1000

    // Drain: wait for every created pod to be Running and Ready.
    let timeoutReason: string | undefined
    const drainDeadline = performance.now() + o.drainTimeoutMs
    // Created pods (create answered) not yet Running or Ready.
    const pending = () => {
      let k = 0
      for (let i = 0; i < n; i++) if (!Number.isNaN(sentAt[i]!) && (Number.isNaN(runningAt[i]!) || Number.isNaN(readyAt[i]!))) k++
      return k
    }
    while (pending() > 0) {
      await sleep(100)
      const now = performance.now()
      if (now - lastProgressAt > o.stallMs) {
        timeoutReason = `no progress for ${o.stallMs / 1000} s`
        break
      }
      if (now > drainDeadline) {
        timeoutReason = `not all Running/Ready ${o.drainTimeoutMs / 1000} s after the last create`
        break
      }
    }
    const cpuSeconds = meter()

    const toRunning: number[] = []
    const toReady: number[] = []
    const toScheduled: number[] = []
    const scheduledToRunning: number[] = []
    for (let i = 0; i < n; i++) {
      const s = sentAt[i]!
      if (Number.isNaN(s)) continue
      if (!Number.isNaN(runningAt[i]!)) toRunning.push(runningAt[i]! - s)
      if (!Number.isNaN(readyAt[i]!)) toReady.push(readyAt[i]! - s)
      if (!Number.isNaN(scheduledAt[i]!)) toScheduled.push(scheduledAt[i]! - s)
      if (!Number.isNaN(scheduledAt[i]!) && !Number.isNaN(runningAt[i]!)) scheduledToRunning.push(runningAt[i]! - scheduledAt[i]!)
    }
    const createToRunning = percentiles(toRunning)
    // Of the pods whose create was answered (a timed-out create may still have made one).
    scheduled = toScheduled.length
    running = toRunning.length
    ready = toReady.length
    const seconds = ((running > 0 ? lastRunningAt : performance.now()) - t0) / 1000
    return {
      namespace: o.namespace,
      pods: n,
      targetRate: o.rate,
      created,
      createFailures,
      createErrors,
      throttled: driver.throttled() - throttledBefore,
      scheduled,
      running,
      ready,
      createSeconds: Math.round(createSeconds * 1000) / 1000,
      achievedCreateRate: r1(created / Math.max(createSeconds, 0.001)),
      backlog: { maxPods: maxBacklog, lastSendLateSeconds: Math.round(lastSendLate * 1000) / 1000 },
      seconds: Math.round(seconds * 1000) / 1000,
      runningPerSecond: r1(running / Math.max(seconds, 0.001)),
      latencyMs: { createToRunning, createToReady: percentiles(toReady), createToScheduled: percentiles(toScheduled), scheduledToRunning: percentiles(scheduledToRunning) },
      runningCdfMs: Array.from({ length: 101 }, (_, p) => r1(p === 0 ? (toRunning[0] ?? NaN) : percentile(toRunning, p))),
      cpuSeconds,
      timedOut: timeoutReason !== undefined,
      ...(timeoutReason ? { timeoutReason } : {}),
    }
  } finally {
    if (reporter) clearInterval(reporter)
    await watch?.cancel().catch(() => {})
  }
}

/** Resident memory of a process (Linux /proc): now (VmRSS) and its peak (VmHWM), in bytes. */
export function processMemory(pid: number | undefined): { rssBytes: number; peakBytes: number } | undefined {
  if (pid === undefined) return undefined
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  const kb = (field: string) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024
  const rssBytes = kb('VmRSS')
  return Number.isFinite(rssBytes) ? { rssBytes, peakBytes: kb('VmHWM') } : undefined
}

export interface MemorySample {
  /** Bytes of resident memory per cluster process (`hollow-1`, `master-1`..., `nats`, `up`). */
  readonly rssBytes: Readonly<Record<string, number>>
  readonly peakBytes: Readonly<Record<string, number>>
  readonly hollowBytes: number
  readonly mastersBytes: number
  readonly totalBytes: number
}

/** RSS of every process of the cluster. */
export function sampleMemory(pids: Readonly<Record<string, number | undefined>>): MemorySample {
  const rssBytes: Record<string, number> = {}
  const peakBytes: Record<string, number> = {}
  for (const [name, pid] of Object.entries(pids)) {
    const m = processMemory(pid)
    if (!m) continue
    rssBytes[name] = m.rssBytes
    peakBytes[name] = m.peakBytes
  }
  const sum = (pred: (name: string) => boolean) => Object.entries(rssBytes).filter(([k]) => pred(k)).reduce((a, [, v]) => a + v, 0)
  return { rssBytes, peakBytes, hollowBytes: sum((k) => k.startsWith('hollow-')), mastersBytes: sum((k) => k.startsWith('master-')), totalBytes: sum(() => true) }
}
