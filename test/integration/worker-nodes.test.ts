/**
 * Worker nodes end to end, as docs/worker-nodes.md's walkthrough does it, with real kubectl and real
 * processes: `actorkube up` (3 masters, 2 workers with the process runtime), a Deployment of 3
 * echo pods behind a NodePort Service; requests through the NodePort reach every replica;
 * `kubectl logs`; scale to 5 and back to 2; a deleted pod is replaced; a worker cut off
 * (SIGSTOP) goes NotReady and its pods come back on the other worker; a worker host killed
 * outright comes back and runs its pods again; the store leader's master is killed mid-run and
 * the cluster keeps serving and converges.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import t from 'tap'
import type { Node, Pod, Service } from '../../actors/kube/objects.ts'
import { haveKubectl, kubectlFor, kubectlJson, spawnKubectl } from '../helpers/kubectl.ts'
import { collectLines, isAlive, pidsWithArgument } from '../helpers/processes.ts'
import { REPO, startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
t.setTimeout(600_000)

const { stateDir, output } = await startUp(t, ['--masters', '3', '--workers', '2', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-workers-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 120_000, what: '"actorkube ready"' })
const kubeconfig = join(stateDir, 'kubeconfig')
const kubectl = kubectlFor(kubeconfig, join(stateDir, 'kube-cache'))

interface PodRow {
  readonly name: string
  readonly phase: string
  /** Every container reports ready. */
  readonly ready: boolean
  /** Has a deletionTimestamp (kubectl shows Terminating). */
  readonly deleting: boolean
  readonly ip: string
  readonly node: string
  readonly restarts: number
  /** Some container waits in CrashLoopBackOff or ended with Error. */
  readonly crashing: boolean
  /** What each restarted container's last run ended with, for failure messages. */
  readonly lastStates: readonly string[]
}

function podRow(pod: Pod): PodRow {
  const statuses = pod.status?.containerStatuses ?? []
  return {
    name: pod.metadata.name ?? '',
    phase: pod.status?.phase ?? '',
    ready: statuses.length > 0 && statuses.every((c) => c.ready === true),
    deleting: pod.metadata.deletionTimestamp !== undefined,
    ip: pod.status?.podIP ?? '',
    node: pod.spec.nodeName ?? '',
    restarts: statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    crashing: statuses.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff' || c.state?.terminated?.reason === 'Error'),
    lastStates: statuses.filter((c) => c.lastState?.terminated).map((c) => `${c.name}: ${JSON.stringify(c.lastState!.terminated)}`),
  }
}

async function pods(context?: string): Promise<PodRow[]> {
  const list = await kubectlJson<{ items: Pod[] }>(kubectl, ['get', 'pods', '-l', 'app=echo', ...(context ? ['--context', context] : [])])
  return list.items.map(podRow)
}

/** Running, ready and not being deleted. */
const serving = (rows: PodRow[]) => rows.filter((p) => p.phase === 'Running' && p.ready && !p.deleting)

const readyCondition = (node: Node | undefined) => node?.status?.conditions?.find((c) => c.type === 'Ready')
const nodeReady = (node: Node | undefined) => readyCondition(node)?.status === 'True'

async function nodes(): Promise<Map<string, Node>> {
  const list = await kubectlJson<{ items: Node[] }>(kubectl, ['get', 'nodes'])
  return new Map(list.items.map((n) => [n.metadata.name ?? '', n]))
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/', timeout: 3000, agent: false }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(body))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** The pod names that answer through host:port in `tries` requests. */
async function answering(host: string, port: number, tries: number): Promise<Set<string>> {
  const names = new Set<string>()
  for (let i = 0; i < tries; i++) {
    const body = await httpGet(host, port).catch(() => '')
    try {
      names.add((JSON.parse(body) as { pod: string }).pod)
    } catch {
      // a refused or cut connection: counted as no answer
    }
  }
  return names
}

const hostPid = (host: string) => pidsWithArgument(join(stateDir, 'hosts', `${host}.yaml`)).find(isAlive)

t.test('workers - both nodes register Ready with their addresses', async (t) => {
  const ready = await waitFor(async () => {
    const all = await nodes()
    return [...all.values()].filter(nodeReady).length === 2 ? all : undefined
  }, { timeoutMs: 30_000, what: 'two Ready nodes' })
  for (const [name, address] of [['worker-1', '127.0.1.1'], ['worker-2', '127.0.2.1']] as const) {
    const node = ready.get(name)
    t.match(node?.status?.addresses, [{ type: 'InternalIP', address }], `${name} reports its InternalIP`)
    t.equal(node?.status?.nodeInfo?.['kubeletVersion'], 'v1.32.0-actorkube', `${name} reports the kubelet version`)
  }
})

t.test('workers - a Deployment of 3 echo pods runs on both workers and the NodePort reaches every replica', async (t) => {
  const applied = await kubectl(['apply', '-f', join(REPO, 'examples', 'echo.yaml')])
  t.equal(applied.code, 0, applied.stderr)
  const running = await waitFor(async () => {
    const rows = serving(await pods())
    return rows.length === 3 ? rows : undefined
  }, { timeoutMs: 60_000, what: '3 echo pods Running and Ready' })
  t.same(new Set(running.map((p) => p.node)), new Set(['worker-1', 'worker-2']), 'the pods are spread over both workers')
  // Another cluster on this machine hands out the same address ranges; its pods must not make ours crash (EADDRINUSE).
  t.same(running.filter((p) => p.restarts > 0).map((p) => `${p.name} restarted ${p.restarts}x; ${p.lastStates.join('; ')}`), [], 'no echo pod restarted on its way to Ready')
  for (const p of running) t.match(p.ip, p.node === 'worker-1' ? /^127\.1\.\d+\.\d+$/ : /^127\.2\.\d+\.\d+$/, `${p.name} has an address from its node's range`)

  const svc = await kubectlJson<Service>(kubectl, ['get', 'svc', 'echo'])
  t.equal(svc.spec.type, 'NodePort')
  t.match(svc.spec.clusterIP, /^10\.96\.\d+\.\d+$/)
  t.match(svc.spec.ports, [{ port: 80, nodePort: 30080, protocol: 'TCP' }])
  const endpoints = await waitFor(async () => {
    const r = await kubectl(['get', 'endpoints', 'echo', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])
    const ips = r.stdout.trim().split(/\s+/).filter(Boolean)
    return ips.length === 3 ? ips : undefined
  }, { timeoutMs: 30_000, what: '3 endpoints' })
  t.same(new Set(endpoints), new Set(running.map((p) => p.ip)), 'the Endpoints are the pods')

  const want = new Set(running.map((p) => p.name))
  for (const [host, what] of [['127.0.0.1', 'localhost'], ['127.0.1.1', "worker-1's address"], ['127.0.2.1', "worker-2's address"]] as const) {
    const seen = await waitFor(async () => {
      const names = await answering(host, 30080, 9)
      return [...want].every((n) => names.has(n)) ? names : undefined
    }, { timeoutMs: 30_000, what: `every replica through ${host}:30080` })
    t.same(seen, want, `requests through the NodePort at ${what} reach all 3 replicas`)
  }
})

t.test('workers - kubectl logs shows what a pod wrote, --tail and -f', async (t) => {
  const [pod] = serving(await pods())
  t.ok(pod)
  const logs = await kubectl(['logs', pod!.name])
  t.equal(logs.code, 0, logs.stderr)
  t.match(logs.stdout, /GET \/ from /, 'the echo server logged the requests it answered')
  const tail = await kubectl(['logs', pod!.name, '--tail=1'])
  t.equal(tail.stdout.trim().split('\n').length, 1, '--tail=1 gives one line')

  const follower = spawnKubectl(kubeconfig, join(stateDir, 'kube-cache'), ['logs', '-f', '--tail=0', pod!.name])
  t.teardown(() => void follower.kill('SIGKILL'))
  const lines = collectLines(follower)
  // Send requests straight to the pod so that the followed one surely gets them.
  const streamed = await waitFor(async () => {
    await httpGet(pod!.ip, 8080).catch(() => '')
    return lines.lines.find((l) => /GET \/ from /.test(l))
  }, { timeoutMs: 20_000, intervalMs: 500, what: 'a new line through kubectl logs -f' })
  t.match(streamed, /^\d{4}-\d\d-\d\dT[\d:.]+Z GET \/ from \S+$/, 'kubectl logs -f streams the line the pod wrote, as it wrote it')
  follower.kill('SIGTERM')

  const bad = await kubectl(['logs', pod!.name, '-c', 'nope'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /container nope is not valid for pod/)
})

t.test('workers - scale to 5 and back to 2; a deleted pod is replaced', async (t) => {
  t.equal((await kubectl(['scale', 'deployment', 'echo', '--replicas=5'])).code, 0)
  const five = await waitFor(async () => {
    const rows = serving(await pods())
    return rows.length === 5 ? rows : undefined
  }, { timeoutMs: 60_000, what: '5 pods serving' })
  t.equal(new Set(five.map((p) => p.ip)).size, 5, '5 replicas serve, each at its own address')
  t.equal((await kubectl(['scale', 'deployment', 'echo', '--replicas=2'])).code, 0)
  const two = await waitFor(async () => {
    const rows = await pods()
    return rows.length === 2 && serving(rows).length === 2 ? rows : undefined
  }, { timeoutMs: 90_000, what: 'exactly 2 pods left' })
  t.equal(two.length, 2, 'the other 3 were stopped and removed')

  const victim = two[0]!.name
  const deleted = await kubectl(['delete', 'pod', victim, '--wait=true'], { timeoutMs: 60_000 })
  t.equal(deleted.code, 0, deleted.stderr)
  const after = await waitFor(async () => {
    const rows = serving(await pods())
    return rows.length === 2 && !rows.some((p) => p.name === victim) ? rows : undefined
  }, { timeoutMs: 60_000, what: 'a replacement pod serving' })
  t.notOk(after.some((p) => p.name === victim), 'the deleted pod is gone and another one replaced it')
})

t.test('workers - a worker cut off goes NotReady and its pods are recreated on the other worker', async (t) => {
  t.equal((await kubectl(['scale', 'deployment', 'echo', '--replicas=4'])).code, 0)
  const before = await waitFor(async () => {
    const rows = serving(await pods())
    return rows.length === 4 && rows.some((p) => p.node === 'worker-2') ? rows : undefined
  }, { timeoutMs: 60_000, what: '4 pods serving, some on worker-2' })
  const pid = hostPid('worker-2')
  t.ok(pid, 'found worker-2')
  process.kill(pid!, 'SIGSTOP')
  try {
    const cutAt = Date.now()
    const notReady = await waitFor(async () => {
      const condition = readyCondition((await nodes()).get('worker-2'))
      return condition?.status !== 'True' ? condition : undefined
    }, { timeoutMs: 30_000, what: 'worker-2 NotReady' })
    t.match(notReady, { status: 'Unknown', reason: 'NodeStatusUnknown' }, `worker-2 is NotReady after ${Date.now() - cutAt} ms: its kubelet stopped posting status`)
    const moved = await waitFor(async () => {
      const rows = serving(await pods()).filter((p) => p.node === 'worker-1')
      return rows.length === 4 ? rows : undefined
    }, { timeoutMs: 60_000, what: '4 pods serving on worker-1' })
    t.equal(moved.length, 4, `its pods run again on worker-1 ${Date.now() - cutAt} ms after the cut (grace 5 s + eviction 2 s)`)
    t.ok(before.filter((p) => p.node === 'worker-2').every((p) => !moved.some((m) => m.name === p.name)), 'as new pods')
  } finally {
    process.kill(pid!, 'SIGCONT')
  }
  await waitFor(async () => nodeReady((await nodes()).get('worker-2')), { timeoutMs: 30_000, what: 'worker-2 Ready again' })
  const left = await waitFor(async () => {
    const rows = await pods()
    return rows.length === 4 ? rows : undefined
  }, { timeoutMs: 60_000, what: "worker-2's old pods removed once it is back" })
  const evicted = before.filter((p) => p.node === 'worker-2').map((p) => p.name)
  t.same(left.filter((p) => evicted.includes(p.name)).map((p) => p.name), [], 'back on the network, worker-2 removed the pods evicted from it')
})

t.test("workers - a master SIGSTOPped for 8 s: the kubelets' renewals sent to its apiserver time out and go to another, the nodes stay Ready", async (t) => {
  // Not master-1 (kubectl's context) and not the controller manager's leader (it judges the nodes).
  const lease = await kubectlJson<{ spec: { holderIdentity: string } }>(kubectl, ['get', 'lease', '-n', 'kube-system', 'kube-controller-manager'])
  const judge = lease.spec.holderIdentity.split('_')[0]
  const victim = ['master-3', 'master-2'].find((m) => m !== judge)!
  const transitions = async () => [...(await nodes()).entries()].map(([name, n]) => `${name} ${readyCondition(n)?.status} since ${readyCondition(n)?.lastTransitionTime}`)
  const before = await transitions()
  const pid = hostPid(victim)
  t.ok(pid, `found ${victim} (the controller manager's leader: ${judge})`)
  process.kill(pid!, 'SIGSTOP')
  try {
    await new Promise((resolve) => setTimeout(resolve, 8000))
  } finally {
    process.kill(pid!, 'SIGCONT')
  }
  t.same(await transitions(), before, 'no Ready transition on either node')
})

t.test('workers - a worker host killed outright comes back and runs its pods again', async (t) => {
  await kubectl(['rollout', 'restart', 'deployment', 'echo'])
  const spread = await waitFor(async () => {
    const rows = serving(await pods())
    return rows.length === 4 && rows.some((p) => p.node === 'worker-2') && (await pods()).length === 4 ? rows : undefined
  }, { timeoutMs: 120_000, what: 'the rollout to spread pods over both workers again' })
  const onWorker2 = spread.filter((p) => p.node === 'worker-2')
  const pid = hostPid('worker-2')
  process.kill(pid!, 'SIGKILL')
  await waitFor(() => hostPid('worker-2') !== undefined && hostPid('worker-2') !== pid, { timeoutMs: 30_000, what: 'up restarting worker-2' })
  const served = await waitFor(async () => {
    const names = await answering('127.0.0.1', 30080, 12)
    return onWorker2.every((p) => names.has(p.name)) || (await pods()).filter((p) => p.node === 'worker-2' && p.phase === 'Running' && !p.deleting).length === onWorker2.length ? names : undefined
  }, { timeoutMs: 90_000, what: "worker-2's pods serving again" })
  t.ok(served, "worker-2's pods run again under the restarted kubelet")
  const rows = await pods()
  t.same(rows.filter((p) => p.crashing).map((p) => p.name), [], 'no pod is crash-looping on addresses left behind')
})

t.test("workers - the store leader's master is killed mid-run; the cluster keeps serving and converges", async (t) => {
  const info = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as { store: string[] }
  const leader = await new Promise<string>((resolve) =>
    execFile(process.execPath, [join(REPO, 'bin', 'actorkube.js'), 'store', 'status', '--state-dir', stateDir], (_e, stdout) => {
      const line = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string }).find((s) => s.role === 'leader')
      resolve(line?.id ?? info.store[0]!)
    }),
  )
  const victim = hostPid(leader)
  t.ok(victim, `found the store leader's host ${leader}`)
  process.kill(victim!, 'SIGKILL')
  // `actorkube` is master-1's apiserver; the kubeconfig names the others' after them.
  const survivor = info.store.find((s) => s !== leader)!
  const context = survivor === 'master-1' ? 'actorkube' : `actorkube-${survivor}`
  const scaled = await waitFor(async () => (await kubectl(['scale', 'deployment', 'echo', '--replicas=3', '--context', context])).code === 0, { timeoutMs: 60_000, what: 'scale through another master' })
  t.ok(scaled, 'the API answers through the other masters')
  await waitFor(async () => {
    const rows = await pods(context)
    return rows.length === 3 && serving(rows).length === 3
  }, { timeoutMs: 90_000, what: '3 pods serving after the leader was killed' })
  const names = await waitFor(async () => {
    const seen = await answering('127.0.0.1', 30080, 9)
    return seen.size === 3 ? seen : undefined
  }, { timeoutMs: 30_000, what: 'all 3 answering through the NodePort' })
  t.equal(names.size, 3, 'the cluster converged: 3 replicas serve through the NodePort')
})
