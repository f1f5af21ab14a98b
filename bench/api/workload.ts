/**
 * The api suite's workloads: closed-loop request phases (C clients, one call in flight each, for a
 * duration) of create / get / list / update on ConfigMaps, and the watch fan-out (W HTTPS watch
 * streams on one namespace while one writer creates and updates objects there).
 */
import type { ClientRequest } from 'node:http'
import { Agent, request } from 'node:https'
import { percentiles, type Percentiles } from '../store/workload.ts'
import type { Api, ApiAnswer } from './clients.ts'
import type { ApiCluster } from './cluster.ts'

export type Op = 'create' | 'get' | 'list' | 'update'

export const configMapsPath = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps`

/** A small ConfigMap: about 100 bytes of data. */
export function configMap(namespace: string, name: string, value = 'x'.repeat(64)): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { bench: 'api' } }, data: { key: value, mode: 'bench' } }
}

export class CallFailed extends Error {
  override readonly name = 'CallFailed'
}

export function expectStatus(answer: ApiAnswer, ok: readonly number[], what: string): ApiAnswer {
  if (!ok.includes(answer.status)) {
    const message = (answer.body as { message?: string } | undefined)?.message ?? JSON.stringify(answer.body).slice(0, 200)
    throw new CallFailed(`${what}: HTTP ${answer.status} ${message}`)
  }
  return answer
}

export async function ensureNamespace(api: Api, name: string): Promise<void> {
  const r = await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  expectStatus(r, [200, 201, 409], `create namespace ${name}`)
}

/** Creates `count` ConfigMaps `prefix-00000`... in `namespace`, `inFlight` at a time. */
export async function populate(api: Api, namespace: string, prefix: string, count: number, inFlight = 32): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const name = `${prefix}-${String(next++).padStart(5, '0')}`
        expectStatus(await api.call('POST', configMapsPath(namespace), configMap(namespace, name)), [200, 201, 409], `populate ${name}`)
      }
    }),
  )
}

export interface PhaseRun {
  readonly count: number
  readonly seconds: number
  readonly latencyMs: Percentiles
}

export interface OpTargets {
  /** Namespace creates go to (grows with every create phase). */
  readonly createNamespace: string
  /** Namespace holding exactly `listSize` objects (`obj-00000`...), for get and list. */
  readonly listNamespace: string
  readonly listSize: number
  /** Namespace of the update phase's objects: one per client, `upd-<client>`, made on first use. */
  readonly updateNamespace: string
}

let runSerial = 0

/**
 * `concurrency` clients, each issuing one call at a time until `durationMs` has passed; the run
 * ends when every client's last call has returned. Every call must succeed (2xx), else the phase
 * fails: a benchmark of errors measures nothing.
 */
export async function opPhase(api: Api, op: Op, targets: OpTargets, options: { readonly concurrency: number; readonly durationMs: number }): Promise<PhaseRun> {
  const run = `${api.name}-c${options.concurrency}-${(runSerial++).toString(36)}-${Date.now().toString(36)}`
  const latencies: number[] = []
  // Update: each client owns one object and PUTs it with the resourceVersion it last saw (no conflicts).
  const owned: Record<string, unknown>[] = []
  if (op === 'update') {
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, c) => {
        const name = `upd-${api.name}-${c}`
        const path = `${configMapsPath(targets.updateNamespace)}/${name}`
        let r = await api.call('GET', path)
        if (r.status === 404) r = expectStatus(await api.call('POST', configMapsPath(targets.updateNamespace), configMap(targets.updateNamespace, name)), [201], `create ${name}`)
        owned[c] = expectStatus(r, [200, 201], `get ${name}`).body as Record<string, unknown>
      }),
    )
  }
  const t0 = performance.now()
  const stopAt = t0 + options.durationMs
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, c) => {
      let i = 0
      let k = (c * 7919) % targets.listSize
      while (performance.now() < stopAt) {
        const start = performance.now()
        switch (op) {
          case 'create': {
            const name = `c-${run}-${c}-${i}`
            expectStatus(await api.call('POST', configMapsPath(targets.createNamespace), configMap(targets.createNamespace, name)), [201], `create ${name}`)
            break
          }
          case 'get': {
            const name = `obj-${String(k).padStart(5, '0')}`
            expectStatus(await api.call('GET', `${configMapsPath(targets.listNamespace)}/${name}`), [200], `get ${name}`)
            k = (k + 1) % targets.listSize
            break
          }
          case 'list': {
            const r = expectStatus(await api.call('GET', configMapsPath(targets.listNamespace)), [200], 'list')
            const items = (r.body as { items?: unknown[] }).items?.length ?? -1
            if (items !== targets.listSize) throw new CallFailed(`list: ${items} items, expected ${targets.listSize}`)
            break
          }
          case 'update': {
            const current = owned[c]!
            const meta = current.metadata as Record<string, unknown>
            const next = { ...current, data: { key: `v${i}-${'y'.repeat(60)}`, mode: 'bench' } }
            const r = expectStatus(await api.call('PUT', `${configMapsPath(targets.updateNamespace)}/${String(meta.name)}`, next), [200], `update ${String(meta.name)}`)
            owned[c] = r.body as Record<string, unknown>
            break
          }
        }
        latencies.push(performance.now() - start)
        i++
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  return { count: latencies.length, seconds, latencyMs: percentiles(latencies) }
}

// ---------------------------------------------------------------------------------------------
// Watch fan-out

export interface Watchers {
  /** Streams that answered 200 and are still open. */
  readonly open: number
  /** Streams that failed to open or closed since (with the first few reasons). */
  readonly failed: number
  readonly failures: readonly string[]
  /** Milliseconds to open them all. */
  readonly openMs: number
  /** Resets the per-phase counters and returns the phase's tracker. */
  track(): Tracker
  close(): void
}

export interface Tracker {
  /** Events received by all watchers since track(). */
  readonly received: number
  /** Receive times (performance.now()) by resourceVersion, of every watcher's copy. */
  readonly receivedAt: Map<number, number[]>
}

/**
 * Opens up to `target` watch streams (`?watch=true&resourceVersion=RV`, each on its own TLS
 * connection, round-robin over the apiservers), `batch` at a time; stops opening at the first
 * batch with failures (the machine's or the server's limit) or when `deadlineMs` has passed.
 */
export async function openWatchers(
  cluster: ApiCluster,
  namespace: string,
  resourceVersion: string,
  options: { readonly target: number; readonly batch: number; readonly deadlineMs: number; readonly progress?: (opened: number) => void },
): Promise<Watchers> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity, ca: cluster.ca })
  const requests: ClientRequest[] = []
  const failures: string[] = []
  let failed = 0
  let open = 0
  let tracker: { received: number; receivedAt: Map<number, number[]> } = { received: 0, receivedAt: new Map() }
  let closing = false
  const fail = (reason: string) => {
    failed++
    if (failures.length < 5) failures.push(reason)
  }
  const openOne = (i: number) =>
    new Promise<boolean>((resolve) => {
      const server = cluster.apiservers[i % cluster.apiservers.length]!
      let settled = false
      const settle = (ok: boolean, reason?: string) => {
        if (settled) return
        settled = true
        if (!ok) fail(reason ?? 'unknown')
        resolve(ok)
      }
      const req = request(
        {
          host: server.hostname,
          port: server.port,
          method: 'GET',
          path: `${configMapsPath(namespace)}?watch=true&resourceVersion=${resourceVersion}`,
          agent,
          headers: { authorization: `Bearer ${cluster.token}`, accept: 'application/json' },
          timeout: 30_000,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume()
            settle(false, `HTTP ${res.statusCode}`)
            return
          }
          req.setTimeout(0)
          open++
          settle(true)
          let rest = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            const now = performance.now()
            const text = rest + chunk
            let start = 0
            let nl = text.indexOf('\n', start)
            while (nl >= 0) {
              // The object's metadata.resourceVersion is the only resourceVersion in a ConfigMap event.
              const m = /"resourceVersion":"(\d+)"/.exec(text.slice(start, nl))
              if (m) {
                const rv = Number(m[1])
                tracker.received++
                let list = tracker.receivedAt.get(rv)
                if (!list) tracker.receivedAt.set(rv, (list = []))
                list.push(now)
              }
              start = nl + 1
              nl = text.indexOf('\n', start)
            }
            rest = text.slice(start)
          })
          res.on('close', () => {
            open--
            if (!closing) fail('stream closed by the server')
          })
        },
      )
      req.on('timeout', () => {
        req.destroy(new Error('no answer in 30 s'))
      })
      req.on('error', (error) => {
        settle(false, (error as NodeJS.ErrnoException).code ?? error.message)
      })
      req.end()
      requests.push(req)
    })
  const t0 = performance.now()
  let started = 0
  while (started < options.target && performance.now() - t0 < options.deadlineMs) {
    const n = Math.min(options.batch, options.target - started)
    const results = await Promise.all(Array.from({ length: n }, (_, j) => openOne(started + j)))
    started += n
    options.progress?.(open)
    if (results.some((ok) => !ok)) break
  }
  const openMs = performance.now() - t0
  return {
    get open() {
      return open
    },
    get failed() {
      return failed
    },
    failures,
    openMs,
    track() {
      tracker = { received: 0, receivedAt: new Map() }
      return tracker
    },
    close() {
      closing = true
      for (const r of requests) r.destroy()
      agent.destroy()
    },
  }
}

export interface FanoutRun {
  /** Events delivered to all watchers during the phase. */
  readonly count: number
  /** From the first write to the last expected event's arrival (or the timeout). */
  readonly seconds: number
  readonly writes: number
  readonly expected: number
  /** Write ack → event received, over every delivered copy. */
  readonly latencyMs: Percentiles
  /** Writes acknowledged per second by the one writer during the phase. */
  readonly writesPerSecond: number
  readonly timedOut: boolean
}

/**
 * One writer (over `api`, one call in flight) creates `writes / 2` ConfigMaps in `namespace` and
 * then updates each once; every watcher should see every write. Latency is the time from the
 * writer's acknowledgement to each watcher's receipt of the event with that resourceVersion
 * (a copy that arrives before the acknowledgement counts as 0 ms).
 */
export async function fanoutPhase(api: Api, watchers: Watchers, namespace: string, options: { readonly writes: number; readonly timeoutMs: number }): Promise<FanoutRun> {
  const watching = watchers.open
  const tracker = watchers.track()
  const ackAt = new Map<number, number>()
  const run = `w-${(runSerial++).toString(36)}-${Date.now().toString(36)}`
  const creates = Math.ceil(options.writes / 2)
  const t0 = performance.now()
  const objects: Record<string, unknown>[] = []
  for (let i = 0; i < creates; i++) {
    const r = expectStatus(await api.call('POST', configMapsPath(namespace), configMap(namespace, `${run}-${i}`)), [201], 'fan-out create')
    const rv = Number(((r.body as { metadata: { resourceVersion: string } }).metadata).resourceVersion)
    ackAt.set(rv, performance.now())
    objects.push(r.body as Record<string, unknown>)
  }
  for (let i = 0; i < options.writes - creates; i++) {
    const current = objects[i]!
    const name = String((current.metadata as { name: string }).name)
    const r = expectStatus(await api.call('PUT', `${configMapsPath(namespace)}/${name}`, { ...current, data: { key: 'updated', mode: 'bench' } }), [200], 'fan-out update')
    const rv = Number(((r.body as { metadata: { resourceVersion: string } }).metadata).resourceVersion)
    ackAt.set(rv, performance.now())
  }
  const writesDone = performance.now()
  const expected = ackAt.size * watching
  const deadline = writesDone + options.timeoutMs
  let lastArrival = writesDone
  while (performance.now() < deadline) {
    let got = 0
    for (const rv of ackAt.keys()) got += tracker.receivedAt.get(rv)?.length ?? 0
    if (got >= expected) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const latencies: number[] = []
  let count = 0
  for (const [rv, ack] of ackAt) {
    for (const at of tracker.receivedAt.get(rv) ?? []) {
      latencies.push(Math.max(0, at - ack))
      lastArrival = Math.max(lastArrival, at)
      count++
    }
  }
  const seconds = (Math.max(lastArrival, writesDone) - t0) / 1000
  return {
    count,
    seconds,
    writes: ackAt.size,
    expected,
    latencyMs: latencies.length > 0 ? percentiles(latencies) : { p50: Number.NaN, p99: Number.NaN },
    writesPerSecond: ackAt.size / ((writesDone - t0) / 1000),
    timedOut: count < expected,
  }
}
