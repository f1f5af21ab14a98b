/**
 * The apiserver's flow gate (runtime/apiserver/flow-gate.ts) over the real handlers and an
 * in-memory store whose pod creates can be held, on a virtual clock: requests past their level's
 * seats wait and then run or get kube-apiserver's 429, Lease renewals run at once and write
 * through the priority objects port, watches bypass the seats, and the counts reach the metrics.
 */
import t from 'tap'
import { CLUSTER_ACTORS_GROUP, flowControlConfig, nominalSeats } from '../../../actors/apiserver/flowcontrol/config.ts'
import { handle } from '../../../actors/apiserver/handle.ts'
import type { ApiRequest } from '../../../actors/apiserver/http/api-request.ts'
import type { ObjectsPort } from '../../../actors/apiserver/ports.ts'
import { FlowGate } from '../../../runtime/apiserver/flow-gate.ts'
import { noMetrics, type HostMetrics } from '../../../runtime/metrics.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { bodyOf, cluster, pod, request } from './memory-objects.ts'

const asActor = (r: ApiRequest): ApiRequest => ({ ...r, user: { name: 'system:actor', groups: [CLUSTER_ACTORS_GROUP, 'system:authenticated'] } })
const lease = (name: string, holder: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-system' }, spec: { holderIdentity: holder, leaseDurationSeconds: 2 } })
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases'

async function setup(queueWaitMs = 1000) {
  const ports = await cluster(handle, 'kube-system', 'bench')
  const base = ports.objects
  const held: (() => void)[] = []
  const priorityWrites: string[] = []
  // Pod creates wait until the test lets them go: their seats stay taken meanwhile.
  const slow: ObjectsPort = {
    create: async (key, object) => {
      if (key.includes('/pods/')) await new Promise<void>((resolve) => held.push(resolve))
      return base.create(key, object)
    },
    get: (key, options) => base.get(key, options),
    list: (prefix, options) => base.list(prefix, options),
    update: (key, object, rv) => base.update(key, object, rv),
    delete: (key, rv) => base.delete(key, rv),
    confirm: (key, rv) => base.confirm(key, rv),
    watch: (prefix, rv, onEvents, onError) => base.watch(prefix, rv, onEvents, onError),
  }
  const priority: ObjectsPort = { ...slow, create: (key, object) => (priorityWrites.push(key), base.create(key, object)), update: (key, object, rv) => (priorityWrites.push(key), base.update(key, object, rv)) }
  const counted = new Map<string, number>()
  const gauges = new Map<string, number>()
  const labelsKey = (name: string, labels: Readonly<Record<string, string>>) => `${name}${JSON.stringify(labels)}`
  const metrics: HostMetrics = {
    ...noMetrics,
    gauge: (name, _help, labels, value) => void gauges.set(labelsKey(name, labels), value),
    count: (name, _help, labels, by) => void counted.set(labelsKey(name, labels), (counted.get(labelsKey(name, labels)) ?? 0) + by),
  }
  const clock = new VirtualClock(0)
  const config = flowControlConfig({ totalConcurrency: 20, queueWaitMs })
  const gate = new FlowGate(config, { clock, metrics, priorityObjects: priority })
  t.teardown(() => gate.close())
  return { gate, ports: { ...ports, objects: slow }, held, priorityWrites, clock, counted, gauges, labelsKey, seats: nominalSeats(config).get('workload-low')! }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

t.test('flowcontrol gate - creates past the seats wait, time out with 429 and Retry-After, and Lease renewals go through meanwhile', async (t) => {
  const s = await setup()
  const creates = Array.from({ length: s.seats + 2 }, (_, i) => s.gate.handle(asActor(request('POST', '/api/v1/namespaces/bench/pods', { body: pod(`p${i}`) })), s.ports))
  await settle()
  t.equal(s.held.length, s.seats, `${s.seats} creates hold the workload-low seats, 2 wait`)

  const renewed = bodyOf(await s.gate.handle(asActor(request('POST', LEASES, { body: lease('kube-scheduler', 'a') })), s.ports))
  t.equal(renewed.status, 201, 'the Lease write runs at once')
  t.strictSame(s.priorityWrites, ['/registry/coordination.k8s.io/leases/kube-system/kube-scheduler'], 'through the priority objects port (store priority proposals)')

  s.clock.advance(1000)
  await settle()
  const waited = await Promise.all(creates.slice(s.seats).map(async (r) => bodyOf(await r)))
  t.strictSame(waited, Array(2).fill({ status: 429, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 } }), "kube-apiserver's 429 after the queue wait limit")

  for (const go of s.held.splice(0)) go()
  const done = await Promise.all(creates.slice(0, s.seats).map(async (r) => (await r).status))
  t.ok(done.every((status) => status === 201), 'the seated creates complete')

  s.clock.advance(1000)
  const labels = { priority_level: 'workload-low', flow_schema: 'workload-low' }
  t.equal(s.counted.get(s.labelsKey('apiserver_flowcontrol_rejected_requests_total', { ...labels, reason: 'time-out' })), 2, 'rejected_requests_total{reason="time-out"}')
  t.equal(s.counted.get(s.labelsKey('apiserver_flowcontrol_dispatched_requests_total', labels)), s.seats, 'dispatched_requests_total')
  t.equal(s.gauges.get(s.labelsKey('apiserver_flowcontrol_current_executing_requests', labels)), 0, 'nothing executes any more')
  t.equal(s.gauges.get(s.labelsKey('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'workload-low' })), s.seats)
})

t.test('flowcontrol gate - a waiting request runs when a seat frees', async (t) => {
  const s = await setup(3000)
  const creates = Array.from({ length: s.seats + 1 }, (_, i) => s.gate.handle(asActor(request('POST', '/api/v1/namespaces/bench/pods', { body: pod(`q${i}`) })), s.ports))
  await settle()
  const inQueue = () => s.gauges.get(s.labelsKey('apiserver_flowcontrol_current_inqueue_requests', { priority_level: 'workload-low', flow_schema: 'workload-low' }))
  s.clock.advance(500)
  t.equal(inQueue(), 0, 'metrics are reported once a second: not yet')
  s.clock.advance(500)
  t.equal(inQueue(), 1, 'current_inqueue_requests at the next report')
  s.held.shift()!()
  await creates[0]
  await settle()
  t.equal(s.held.length, s.seats, 'the waiting create took the freed seat')
  s.clock.advance(3000)
  for (const go of s.held.splice(0)) go()
  t.strictSame(await Promise.all(creates.map(async (r) => (await r).status)), Array(s.seats + 1).fill(201), 'none timed out: it left the queue before its deadline')
})

t.test('flowcontrol gate - watches bypass the seats; admins are exempt', async (t) => {
  const s = await setup()
  const creates = Array.from({ length: s.seats + 2 }, (_, i) => s.gate.handle(asActor(request('POST', '/api/v1/namespaces/bench/pods', { body: pod(`w${i}`) })), s.ports))
  await settle()
  const watch = await s.gate.handle(asActor(request('GET', '/api/v1/namespaces/bench/pods?watch=true')), s.ports)
  t.equal(watch.kind, 'stream', 'a watch opens with every seat taken')
  const admin = await s.gate.handle(request('GET', '/api/v1/namespaces/bench/pods'), s.ports)
  t.equal(admin.status, 200, 'system:masters is exempt')
  s.clock.advance(1000)
  for (const go of s.held.splice(0)) go()
  await Promise.all(creates)
})
