/**
 * kube-proxy against `actorkube up` (3 masters) with two proxy actors in their own host
 * processes, as two nodes on one machine. There are no kubelets here, so the Service has no
 * selector and the test writes its Endpoints itself (the Endpoints controller leaves those alone),
 * pointing at greeting TCP servers on 127.X.0.n. Checked: NodePort and ClusterIP listeners spread
 * connections round robin, a backend taken out of Endpoints gets no more, ClientIP affinity
 * sticks, kubectl shows the allocation, the second node's proxy takes over the shared addresses
 * when the first one's process dies, and deleting the Service closes its listeners.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { localAddressOf } from '../../actors/proxy/addresses.ts'
import { startHosts, type LogRecord } from '../helpers/hosts.ts'
import { holdLoopbackAddresses } from '../helpers/loopback-lock.ts'
import { tempDir } from '../helpers/nats.ts'
import { converse, randomOctet, startBackends, whoAnswers } from '../helpers/tcp-backends.ts'
import { upWithApi } from '../helpers/up-api.ts'
import { waitFor } from '../helpers/wait.ts'

t.setTimeout(600_000)
// Its proxies serve ClusterIPs at 127.96.b.c and NodePorts on 127.0.0.1, as a cluster with workers does.
await holdLoopbackAddresses(t)
const { api, stateDir, info } = await upWithApi(t, 'ak-proxy-', { timeoutMs: 5000 })
const X = randomOctet()
const ips = [2, 3, 4].map((n) => `127.${X}.0.${n}`)
const backends = await startBackends(t, ips)
const nodeIP = { a: `127.${X}.0.1`, b: `127.${X}.0.11` }
const dir = await tempDir(t, 'ak-proxy-hosts-')
const proxyHost = (node: 'a' | 'b') => ({
  host: `proxy-${node}`,
  cluster: info.cluster,
  actors: [{ kind: 'proxy' as const, id: `node-${node}`, options: { apiservers: info.store, nodeName: `node-${node}`, nodeIP: nodeIP[node] } }],
})
const hosts = await startHosts(t, dir, info.nats, [proxyHost('a'), proxyHost('b')])

const SERVICES = '/api/v1/namespaces/default/services'
const ENDPOINTS = '/api/v1/namespaces/default/endpoints'
interface ServiceShape {
  spec: { clusterIP: string; ports: { nodePort: number }[] }
}
const created = (await api.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: backends.port }] } })) as KubeObject & ServiceShape
const clusterIP = created.spec.clusterIP
const nodePort = created.spec.ports[0]!.nodePort
const local = localAddressOf(clusterIP)!
const listening = (record: LogRecord, key: string) => record.msg === 'proxy listening' && record.listener === key

const endpoints = (addresses: readonly string[]) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: addresses.map((ip) => ({ ip })), ports: [{ name: 'http', port: backends.port, protocol: 'TCP' }] }] })
async function setEndpoints(addresses: readonly string[]): Promise<void> {
  const current = await api.get(`${ENDPOINTS}/web`).catch(() => undefined)
  if (current === undefined) await api.create(ENDPOINTS, endpoints(addresses))
  else await api.update(`${ENDPOINTS}/web`, { ...endpoints(addresses), metadata: { ...current.metadata } })
}
const answers = async (host: string, port: number, n: number, from?: string) => {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(await whoAnswers(host, port, from))
  return out
}
const count = (xs: readonly string[]) => Object.fromEntries([...new Set(xs)].sort().map((x) => [x, xs.filter((y) => y === x).length]))

t.test('kube-proxy - listeners open for the ClusterIP, the node IPs and localhost', async (t) => {
  t.match(clusterIP, /^10\.96\.\d+\.\d+$/)
  t.ok(nodePort >= 30000 && nodePort <= 32767)
  await hosts['proxy-a']!.waitForLog((r) => listening(r, `${nodeIP.a}:${nodePort}`), { timeoutMs: 20_000, what: 'node a NodePort listener' })
  await hosts['proxy-b']!.waitForLog((r) => listening(r, `${nodeIP.b}:${nodePort}`), { timeoutMs: 20_000, what: 'node b NodePort listener' })
  const holders = await waitFor(() => {
    const h = Object.values(hosts).filter((host) => host.logs().some((r) => listening(r, `${local}:80`)))
    return h.length > 0 && h
  }, { timeoutMs: 20_000, what: 'a ClusterIP listener' })
  t.equal(holders.length, 1, 'one node holds the shared ClusterIP address')
})

t.test('kube-proxy - connections spread round robin over every ready endpoint', async (t) => {
  await setEndpoints(ips)
  await waitFor(async () => new Set(await answers(nodeIP.a, nodePort, 3)).size === 3, { timeoutMs: 20_000, what: 'all three backends through the NodePort' })
  t.same(count(await answers(nodeIP.a, nodePort, 9)), Object.fromEntries(ips.map((ip) => [ip, 3])), 'NodePort: each backend in turn')
  t.same(new Set(await answers(local, 80, 6)), new Set(ips), `ClusterIP ${clusterIP} at ${local}:80`)
  t.same(new Set(await answers('127.0.0.1', nodePort, 6)), new Set(ips), 'localhost NodePort')
})

t.test('kube-proxy - a backend removed from Endpoints gets no more connections; open ones stay', async (t) => {
  const open = await converse(nodeIP.b, nodePort)
  await setEndpoints([ips[0]!, ips[2]!])
  await waitFor(async () => !(await answers(nodeIP.a, nodePort, 4)).includes(ips[1]!), { timeoutMs: 20_000, what: `${ips[1]} to leave the rotation` })
  const after = await answers(nodeIP.a, nodePort, 10)
  t.notOk(after.includes(ips[1]!), 'never the removed one')
  t.same(new Set(after), new Set([ips[0], ips[2]]))
  t.equal(await open.echo('still there'), 'still there', 'an established connection survived the Endpoints change')
  open.close()
  await setEndpoints(ips)
})

t.test('kube-proxy - ClientIP affinity keeps a client on its backend', async (t) => {
  await api.patch(`${SERVICES}/web`, { spec: { sessionAffinity: 'ClientIP' } })
  const clients = [`127.${X}.9.1`, `127.${X}.9.2`, `127.${X}.9.3`]
  await waitFor(async () => new Set(await answers(nodeIP.a, nodePort, 4, clients[0])).size === 1, { timeoutMs: 20_000, what: 'affinity to take effect' })
  const picks = await Promise.all(clients.map(async (c) => answers(nodeIP.a, nodePort, 5, c)))
  for (const [i, p] of picks.entries()) t.equal(new Set(p).size, 1, `${clients[i]} always reaches ${p[0]}`)
  t.ok(new Set(picks.map((p) => p[0])).size > 1, 'different clients are spread')
  await api.patch(`${SERVICES}/web`, { spec: { sessionAffinity: 'None' } })
})

t.test('kube-proxy - kubectl get svc shows the cluster IP and 80:<nodePort>/TCP', async (t) => {
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', join(stateDir, 'kubeconfig'), '--cache-dir', join(stateDir, 'kube-cache'), 'get', 'svc', 'web'], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, stdout, stderr }),
    )
    child.stdin?.end()
  })
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, new RegExp(`^NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE\\nweb\\s+NodePort\\s+${clusterIP.replaceAll('.', '\\.')}\\s+<none>\\s+80:${nodePort}/TCP\\s+\\S+\\n$`))
})

t.test('kube-proxy - when the node holding the shared addresses dies, the other takes over', async (t) => {
  const holder = Object.values(hosts).find((h) => h.logs().some((r) => listening(r, `${local}:80`)))!
  const other = Object.values(hosts).find((h) => h !== holder)!
  await holder.stop('SIGKILL')
  const started = Date.now()
  await other.waitForLog((r) => listening(r, `${local}:80`), { timeoutMs: 15_000, what: `${other.name} to take over ${local}:80` })
  t.comment(`ClusterIP listener taken over in ${Date.now() - started} ms`)
  t.same(new Set(await answers(local, 80, 6)), new Set(ips))
  await waitFor(async () => (await whoAnswers('127.0.0.1', nodePort)) !== '', { timeoutMs: 15_000, what: 'localhost NodePort served again' })
})

t.test('kube-proxy - deleting the Service closes its listeners and frees its node port', async (t) => {
  const survivor = Object.values(hosts).find((h) => h.process.child.exitCode === null && h.process.child.signalCode === null)!
  const ip = survivor === hosts['proxy-a'] ? nodeIP.a : nodeIP.b
  await api.delete(`${SERVICES}/web`)
  await waitFor(async () => converse(ip, nodePort).then((c) => (c.close(), false), () => true), { timeoutMs: 20_000, what: 'the NodePort listener to close' })
  await t.rejects(converse(local, 80), { code: 'ECONNREFUSED' }, 'ClusterIP listener closed')
  const again = (await api.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web2' }, spec: { type: 'NodePort', clusterIP, ports: [{ port: 80, nodePort }] } })) as KubeObject & ServiceShape
  t.equal(again.spec.ports[0]!.nodePort, nodePort, 'the node port is free again')
  t.equal(again.spec.clusterIP, clusterIP, 'and the cluster IP')
  await api.delete(`${SERVICES}/web2`)
})
