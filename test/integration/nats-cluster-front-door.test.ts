/**
 * `actorkube up` without single points of failure on its own machine (issue 14, items 2 and 9):
 * three nats-servers joined by routes with every host connected to all of them, and a front door
 * that balances kubectl over the ready apiservers. One cluster for the whole file: 3 masters and a
 * hollow host (2 nodes), real kubectl through the default kubeconfig context.
 *
 * The nats-server killed is the one the store leader's host is connected to (found with `ss`), so
 * that the write path really loses its server; the time until a write is acknowledged again is
 * printed (measured, not asserted).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { systemClock } from '../../runtime/clock.ts'
import { requestNatsControl } from '../../runtime/cli/nats-control.ts'
import { StoreClient } from '../../runtime/store/store-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { Requester } from '../../runtime/transport/requester.ts'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { tempDir } from '../helpers/nats.ts'
import { isAlive, pidsWithArgument } from '../helpers/processes.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

t.setTimeout(600_000)
if (!(await haveKubectl())) {
  t.comment('kubectl not installed: skipped')
  process.exit(0)
}

const HOSTS = ['master-1', 'master-2', 'master-3', 'hollow-1']
const { stateDir, output } = await startUp(t, ['--masters', '3', '--workers', '0', '--hollow-nodes', '2', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-nats-fd-' })
const readyAt = await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 120_000, what: '"actorkube ready"' })
const ready = output.lines[readyAt]!
const info = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as { cluster: string; natsServers: string[]; store: string[] }
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), await tempDir(t, 'ak-kubectl-cache-'))

const transport = await NatsTransport.connect({ servers: info.natsServers, name: 'nats-cluster-front-door-test' })
t.teardown(() => transport.close())
const requester = new Requester(transport, systemClock)
t.teardown(() => requester.close())
const store = new StoreClient({ transport, clock: systemClock, cluster: info.cluster, replicas: info.store, requestTimeoutMs: 500 })
t.teardown(() => store.close())

const hostPid = (host: string): number | undefined => pidsWithArgument(join(stateDir, 'hosts', `${host}.yaml`)).find(isAlive)
const natsPort = (url: string): number => Number(new URL(url).port)

/** The nats-server port process `pid` holds its NATS connection to (from `ss`). */
function natsServerOf(pid: number): number | undefined {
  const ports = new Set(info.natsServers.map(natsPort))
  for (const line of execFileSync('ss', ['-Htnp', 'state', 'established'], { encoding: 'utf8' }).split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue
    const peer = /\S+:(\d+)\s+\S+:(\d+)\s+users:/.exec(line)
    if (peer && ports.has(Number(peer[2]))) return Number(peer[2])
  }
  return undefined
}

interface NatsStatus {
  index: number
  url: string
  running: boolean
  pid?: number
  routes: number
}

const control = (event: { type: string } & Record<string, unknown>) => requestNatsControl(requester, info.cluster, event)
const natsStatus = async () => (await control({ type: 'nats.status' })).servers as NatsStatus[]

t.test('up - three nats-servers in a full mesh, every host given all of them', async (t) => {
  t.equal(info.natsServers.length, 3, 'cluster.json lists three nats-servers')
  const servers = await waitFor(async () => {
    const s = await natsStatus()
    return s.every((m) => m.running && m.routes === 2) && s
  }, { timeoutMs: 10_000, what: 'every nats-server with routes to both others' })
  t.same(servers.map((s) => s.url), info.natsServers, 'the control subject reports the same servers, by index')
  for (const host of HOSTS) {
    const config = readFileSync(join(stateDir, 'hosts', `${host}.yaml`), 'utf8')
    t.ok(info.natsServers.every((url) => config.includes(url)), `${host}'s config lists every nats-server`)
  }
})

t.test('up - the kubernetes Service in default lists the apiservers as its endpoints', async (t) => {
  const apiserverPorts = [...(ready.match(/apiservers ((?:https:\/\/127\.0\.0\.1:\d+ ?)+),/)?.[1] ?? '').matchAll(/:(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b)
  t.equal(apiserverPorts.length, 3, 'the ready line names three apiservers')
  type Endpoints = { subsets?: { addresses: { ip: string; hostname?: string }[]; ports: { name: string; port: number }[] }[] }
  const endpoints = await waitFor(async () => {
    const e = await kubectlJson<Endpoints>(kubectl, ['get', 'endpoints', 'kubernetes', '-n', 'default'])
    return (e.subsets ?? []).length === 3 && e
  }, { timeoutMs: 20_000, what: 'three subsets in the kubernetes Endpoints' })
  const listed = endpoints.subsets!.flatMap((s) => s.ports.map((p) => p.port)).sort((a, b) => a - b)
  t.same(listed, apiserverPorts, 'one endpoint per apiserver, at its port')
  t.same(new Set(endpoints.subsets!.flatMap((s) => s.addresses.map((a) => a.ip))), new Set(['127.0.0.1']), 'at 127.0.0.1')
  const service = await kubectlJson<{ spec: { clusterIP: string; ports: { port: number }[] } }>(kubectl, ['get', 'service', 'kubernetes', '-n', 'default'])
  t.match(service.spec, { clusterIP: '10.96.0.1', ports: [{ port: 443 }] }, 'the Service holds the first address of the range, port 443')
})

t.test('up - a host rides over the loss of one nats-server (kill -9)', async (t) => {
  const created = await kubectl(['create', 'configmap', 'before-nats-kill', '-n', 'default', '--from-literal=k=v'])
  t.equal(created.code, 0, `a store write before the kill: ${created.stderr}`)
  const pidsBefore = Object.fromEntries(HOSTS.map((h) => [h, hostPid(h)]))
  t.ok(HOSTS.every((h) => pidsBefore[h] !== undefined), 'every host process found')

  const leader = await waitFor(() => store.leader(), { what: 'the store leader' })
  const leaderServer = await waitFor(() => natsServerOf(pidsBefore[leader]!), { what: `the nats-server ${leader} is connected to` })
  const victim = info.natsServers.findIndex((url) => natsPort(url) === leaderServer) + 1
  t.comment(`store leader ${leader} is connected to nats-${victim} (:${leaderServer}); killing it`)

  // A watch opened before the kill must see every write acknowledged after it.
  const watched = new Set<string>()
  const watch = await store.watch({ key: '/nats-kill/', prefix: true }, (events) => {
    for (const e of events) watched.add(e.kv.key)
  })
  t.teardown(() => watch.cancel())

  const acked: { key: string; value: string; sentAt: number; ackedAt: number }[] = []
  let writing = true
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const key = `/nats-kill/${String(i).padStart(5, '0')}`
      const sentAt = performance.now()
      try {
        await store.put(key, new TextEncoder().encode(`v${i}`), { deadlineMs: 2_000 })
        acked.push({ key, value: `v${i}`, sentAt, ackedAt: performance.now() })
      } catch {
        // Not acknowledged: it may or may not have been applied; only acknowledged writes are checked.
      }
      await new Promise((r) => setTimeout(r, 10))
    }
  })()
  await waitFor(() => acked.length >= 20, { what: '20 writes before the kill' })

  const mark = output.lines.length
  const accepted = await control({ type: 'nats.kill', index: victim })
  t.match(accepted, { type: 'nats.kill.accepted', index: victim }, 'up accepts the kill')
  await waitFor(() => !isAlive(accepted.pid as number), { what: `nats-${victim} to die` })
  const killedAt = performance.now()
  t.notOk(isAlive(accepted.pid as number), `nats-${victim} (pid ${accepted.pid}) is gone`)

  const firstAfter = await waitFor(() => acked.find((w) => w.sentAt >= killedAt), { timeoutMs: 30_000, what: 'a write sent after the kill to be acknowledged' })
  await waitFor(() => acked.filter((w) => w.sentAt >= killedAt).length >= 20, { timeoutMs: 30_000, what: '20 writes after the kill' })
  writing = false
  await writer
  const gaps = acked.slice(1).map((w, i) => w.ackedAt - acked[i]!.ackedAt)
  t.comment(`measured: nats-server kill -> next write acknowledged ${(firstAfter.ackedAt - killedAt).toFixed(0)} ms; longest gap between acknowledged writes ${Math.max(...gaps).toFixed(0)} ms (${acked.length} acknowledged writes)`)

  const status = await natsStatus()
  t.same(status.map((s) => s.running), [1, 2, 3].map((i) => i !== victim), 'up reports the killed server down, the others running')
  t.same(Object.fromEntries(HOSTS.map((h) => [h, hostPid(h)])), pidsBefore, 'every host process is the same one (no restart)')
  t.notOk(output.lines.slice(mark).some((l) => / exited \(/.test(l)), 'up restarted no host')

  const lost = []
  for (const w of acked) {
    const { kv } = await store.get(w.key)
    if (kv === undefined || new TextDecoder().decode(kv.value) !== w.value) lost.push(w.key)
  }
  t.same(lost, [], `all ${acked.length} acknowledged writes are there`)
  const unseen = await waitFor(() => {
    const missing = acked.filter((w) => !watched.has(w.key)).map((w) => w.key)
    return missing.length === 0 ? missing : undefined
  }, { timeoutMs: 15_000, what: 'the watch opened before the kill to see every acknowledged write' }).catch(() => acked.filter((w) => !watched.has(w.key)).map((w) => w.key))
  t.same(unseen, [], 'the watch opened before the kill saw every acknowledged write')

  const before = await kubectl(['get', 'configmap', 'before-nats-kill', '-n', 'default', '-o', 'jsonpath={.data.k}'])
  t.equal(before.stdout, 'v', `kubectl works and the write made before the kill is there: ${before.stderr}`)

  const pod = await kubectl(['run', 'after-nats-kill', '-n', 'default', '--image=busybox', '--restart=Never'])
  t.equal(pod.code, 0, `kubectl creates a pod: ${pod.stderr}`)
  const node = await waitFor(async () => {
    const p = await kubectlJson<{ spec: { nodeName?: string } }>(kubectl, ['get', 'pod', 'after-nats-kill', '-n', 'default'])
    return p.spec.nodeName
  }, { timeoutMs: 30_000, what: 'the new pod to be scheduled' })
  t.match(node, /^hollow-1-/, `the new pod is scheduled (to ${node})`)
})

t.test('up - a killed nats-server restarts on its ports and rejoins the mesh', async (t) => {
  const down = (await natsStatus()).find((s) => !s.running)
  t.ok(down, 'one nats-server is down from the previous test')
  const restarted = await control({ type: 'nats.restart', index: down!.index })
  t.match(restarted, { type: 'nats.restarted', index: down!.index }, 'up restarts it')
  const servers = await waitFor(async () => {
    const s = await natsStatus()
    return s.every((m) => m.running && m.routes === 2) && s
  }, { timeoutMs: 15_000, what: 'the full mesh again' })
  t.equal(servers[down!.index - 1]!.url, down!.url, 'on the same client port')
  const bad = await control({ type: 'nats.kill', index: 7 })
  t.match(bad, { type: 'nats.error', message: /index must be a nats-server number 1\.\.3, got 7/ }, 'a bad index is refused with a clear error')
})

t.test('up - kubectl through the default context keeps answering when master-1 is killed', async (t) => {
  const victim = hostPid('master-1')
  t.ok(victim, 'found master-1')
  process.kill(victim!, 'SIGKILL')
  await waitFor(() => !isAlive(victim!), { what: 'master-1 to die' })
  const took: string[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    const r = await kubectl(['get', 'configmap', 'before-nats-kill', '-n', 'default', '-o', 'jsonpath={.data.k}'])
    took.push((performance.now() - started).toFixed(0))
    t.equal(r.code, 0, `call ${i + 1} after the kill answers: ${r.stderr.trim()}`)
    t.equal(r.stdout, 'v', `call ${i + 1} reads the ConfigMap`)
  }
  t.comment(`measured: kubectl get after master-1's kill took ${took.join(', ')} ms (each a new kubectl process)`)
  const write = await kubectl(['create', 'configmap', 'after-master-kill', '-n', 'default', '--from-literal=k=w'])
  t.equal(write.code, 0, `a write through the front door succeeds: ${write.stderr.trim()}`)

  // up restarts master-1; with --api-port 0 its apiserver takes a new port, and the Endpoints follow.
  const currentPorts = () =>
    ['master-1', 'master-2', 'master-3'].map((h) => {
      const lines = readFileSync(join(stateDir, 'logs', `${h}.log`), 'utf8').split('\n').filter((l) => l.includes('"apiserver listening"'))
      return (JSON.parse(lines.at(-1)!) as { port: number }).port
    })
  const restarted = await waitFor(() => hostPid('master-1'), { timeoutMs: 30_000, what: 'master-1 to be restarted' })
  t.not(restarted, victim, 'master-1 runs again as a new process')
  const endpointPorts = await waitFor(async () => {
    const e = await kubectlJson<{ subsets?: { ports: { port: number }[] }[] }>(kubectl, ['get', 'endpoints', 'kubernetes', '-n', 'default'])
    const listed = (e.subsets ?? []).flatMap((s) => s.ports.map((p) => p.port)).sort((a, b) => a - b)
    const wanted = currentPorts().sort((a, b) => a - b)
    return JSON.stringify(listed) === JSON.stringify(wanted) && listed
  }, { timeoutMs: 30_000, what: "the kubernetes Endpoints to list the restarted master-1's apiserver" })
  t.equal(endpointPorts.length, 3, 'the Endpoints list all three apiservers, master-1 at its new port')
})
