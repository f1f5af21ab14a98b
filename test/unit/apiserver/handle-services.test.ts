/** handle(): Services get cluster IPs and node ports from the store-backed allocators. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { IP_MARKERS, NODE_PORT_MARKERS, STALE_MARKER_MS } from '../../../actors/apiserver/services/allocate.ts'
import { parseIPv4 } from '../../../actors/apiserver/services/ranges.ts'
import { bodyOf, cluster, NOW, request, TABLE_ACCEPT, type TestPorts } from './memory-objects.ts'

const SERVICES = '/api/v1/namespaces/default/services'

interface Svc {
  metadata: { name: string; resourceVersion: string }
  spec: { clusterIP?: string; clusterIPs?: string[]; type?: string; ports: { port: number; nodePort?: number; protocol?: string; targetPort?: number }[]; sessionAffinityConfig?: unknown }
}
interface Result {
  status: number
  body: Svc & { message?: string }
}

const service = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } })
const call = async (ports: TestPorts, method: string, path: string, body?: unknown, contentType?: string): Promise<Result> =>
  bodyOf(await handle(request(method, path, { ...(body === undefined ? {} : { body }), ...(contentType ? { contentType } : {}) }), ports)) as Result
const create = (ports: TestPorts, name: string, spec: Record<string, unknown> = {}) => call(ports, 'POST', SERVICES, service(name, spec))
const markers = async (ports: TestPorts, prefix: string) => (await ports.objects.list(prefix)).items.map((m) => m.metadata?.name).sort()

t.test('create: a cluster IP from 10.96.0.0/16 and node ports from 30000-32767, with Kubernetes defaults', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = await create(ports, 'web', { type: 'NodePort', selector: { app: 'web' } })
  t.equal(status, 201)
  const ip = parseIPv4(body.spec.clusterIP ?? '') ?? 0
  t.ok(ip > parseIPv4('10.96.0.1')! && ip < parseIPv4('10.96.255.255')!, String(body.spec.clusterIP))
  t.same(body.spec.clusterIPs, [body.spec.clusterIP])
  const np = body.spec.ports[0]!.nodePort ?? 0
  t.ok(np >= 30000 && np <= 32767, String(np))
  t.match(body.spec, { type: 'NodePort', sessionAffinity: 'None', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] })
  t.same(await markers(ports, IP_MARKERS), [body.spec.clusterIP])
  t.same(await markers(ports, NODE_PORT_MARKERS), [String(np)])
  const table = bodyOf(await handle(request('GET', SERVICES, { accept: TABLE_ACCEPT }), ports)).body as { rows: { cells: unknown[] }[] }
  t.same(table.rows[0]!.cells.slice(0, 5), ['web', 'NodePort', body.spec.clusterIP, '<none>', `80:${np}/TCP`])
})

t.test('ClientIP affinity defaults its timeout to 3 hours', async (t) => {
  const ports = await cluster(handle)
  const { body } = await create(ports, 'sticky', { sessionAffinity: 'ClientIP' })
  t.same(body.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } })
})

t.test('a constant random still gives every Service its own address and port', async (t) => {
  const ports = await cluster(handle)
  const made = await Promise.all(Array.from({ length: 20 }, (_, i) => create(ports, `s${i}`, { type: 'NodePort' })))
  t.same(made.map((r) => r.status), made.map(() => 201))
  t.equal(new Set(made.map((r) => r.body.spec.clusterIP)).size, 20)
  t.equal(new Set(made.map((r) => r.body.spec.ports[0]!.nodePort)).size, 20)
})

t.test('requested values: taken ones are refused with Kubernetes wording; nothing leaks from a refused create', async (t) => {
  const ports = await cluster(handle)
  t.equal((await create(ports, 'a', { clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })).status, 201)
  const ip = await create(ports, 'b', { clusterIP: '10.96.0.10' })
  t.equal(ip.status, 422)
  t.equal(ip.body.message, 'Service "b" is invalid: spec.clusterIP: Invalid value: "10.96.0.10": provided IP is already allocated')
  const port = await create(ports, 'c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })
  t.equal(port.status, 422)
  t.equal(port.body.message, 'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated')
  t.same(await markers(ports, IP_MARKERS), ['10.96.0.10'], "c's address was given back")
  const range = await create(ports, 'd', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })
  t.equal(range.body.message, 'Service "d" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767')
  t.equal((await create(ports, 'a', {})).status, 409, 'AlreadyExists')
  t.same(await markers(ports, IP_MARKERS), ['10.96.0.10'])
})

t.test('delete gives the address and ports back', async (t) => {
  const ports = await cluster(handle)
  await create(ports, 'a', { clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })
  t.equal((await call(ports, 'DELETE', `${SERVICES}/a`)).status, 200)
  t.same(await markers(ports, IP_MARKERS), [])
  t.same(await markers(ports, NODE_PORT_MARKERS), [])
  t.equal((await create(ports, 'b', { clusterIP: '10.96.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })).status, 201)
})

t.test('updates keep what they leave out, allocate on a type change and release what they drop', async (t) => {
  const ports = await cluster(handle)
  const { body: created } = await create(ports, 'a', { ports: [{ port: 80 }] })
  const toNodePort = await call(ports, 'PATCH', `${SERVICES}/a`, { spec: { type: 'NodePort' } }, 'application/merge-patch+json')
  t.equal(toNodePort.status, 200)
  t.equal(toNodePort.body.spec.clusterIP, created.spec.clusterIP)
  const np = toNodePort.body.spec.ports[0]!.nodePort
  t.ok(np !== undefined && np >= 30000)
  const { clusterIP: _ip, clusterIPs: _ips, ...rest } = toNodePort.body.spec
  const put = await call(ports, 'PUT', `${SERVICES}/a`, { ...toNodePort.body, spec: { ...rest, ports: [{ port: 80 }] } })
  t.equal(put.status, 200)
  t.equal(put.body.spec.clusterIP, created.spec.clusterIP, 'a PUT without clusterIP keeps it')
  t.equal(put.body.spec.ports[0]!.nodePort, np, 'and the nodePort')
  const immutable = await call(ports, 'PATCH', `${SERVICES}/a`, { spec: { clusterIP: '10.96.9.9' } }, 'application/merge-patch+json')
  t.equal(immutable.body.message, `Service "a" is invalid: spec.clusterIP: Invalid value: "10.96.9.9": field is immutable`)
  const back = await call(ports, 'PATCH', `${SERVICES}/a`, { spec: { type: 'ClusterIP' } }, 'application/merge-patch+json')
  t.equal(back.status, 200)
  t.equal(back.body.spec.ports[0]!.nodePort, undefined)
  t.same(await markers(ports, NODE_PORT_MARKERS), [])
})

t.test('headless Services hold nothing', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = await create(ports, 'h', { clusterIP: 'None' })
  t.equal(status, 201)
  t.same(body.spec.clusterIPs, ['None'])
  t.same(await markers(ports, IP_MARKERS), [])
})

t.test('a marker nobody holds is taken over once stale, not before', async (t) => {
  const ports = await cluster(handle)
  const orphan = (at: number) => ({ apiVersion: 'actorkube.io/v1', kind: 'ServiceAllocation', metadata: { name: '10.96.0.20', creationTimestamp: new Date(at).toISOString() }, owner: { namespace: 'default', name: 'gone', uid: 'x' } })
  await ports.objects.create(`${IP_MARKERS}10.96.0.20`, orphan(NOW - 1000))
  t.equal((await create(ports, 'a', { clusterIP: '10.96.0.20' })).status, 422, 'fresh: maybe a write in flight')
  await ports.objects.delete(`${IP_MARKERS}10.96.0.20`)
  await ports.objects.create(`${IP_MARKERS}10.96.0.20`, orphan(NOW - STALE_MARKER_MS - 1000))
  t.equal((await create(ports, 'a', { clusterIP: '10.96.0.20' })).status, 201, 'stale: taken over')
})
