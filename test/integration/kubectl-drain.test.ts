/**
 * Real kubectl (v1.32) drains nodes of `actorkube up` (1 master, 3 hollow nodes) under a
 * PodDisruptionBudget: a Deployment of 3 with a budget of minAvailable 2. `kubectl cordon` marks a
 * node unschedulable; `kubectl drain` evicts its pods through pods/eviction (policy/v1 Eviction
 * bodies, JSON from kubectl 1.32) and they come back on other nodes while the budget holds; with the budget
 * raised to minAvailable 3 a drain is refused (kubectl retries on 429 until its timeout, exit 1)
 * and the pod stays; `kubectl uncordon` makes the nodes schedulable again. State is read with -o json.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { Node, Pod } from '../../actors/kube/objects.ts'
import type { PodDisruptionBudget } from '../../actors/kube/policy.ts'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
t.setTimeout(300_000)

const NODES = 3
const { stateDir, output } = await startUp(t, ['--masters', '1', '--nats-servers', '1', '--workers', '0', '--hollow-nodes', String(NODES), '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-drain-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 120_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: actorkube/sleep, resources: {requests: {cpu: 10m}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
`

const ready = (p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
const webPods = async () => (await kubectlJson<{ items: Pod[] }>(kubectl, ['get', 'pods', '-l', 'app=web'])).items
const budget = () => kubectlJson<PodDisruptionBudget>(kubectl, ['get', 'pdb', 'web'])
const node = (name: string) => kubectlJson<Node>(kubectl, ['get', 'node', name])

/** Three web pods Running and Ready, and the budget's status agreeing with `want`. */
async function settled(want: { desiredHealthy: number; disruptionsAllowed: number }): Promise<Pod[]> {
  return waitFor(async () => {
    const pods = (await webPods()).filter(ready)
    const status = (await budget()).status
    const ok = pods.length === 3 && status?.currentHealthy === 3 && status.desiredHealthy === want.desiredHealthy && status.disruptionsAllowed === want.disruptionsAllowed && status.expectedPods === 3
    return ok ? pods : undefined
  }, { timeoutMs: 90_000, intervalMs: 500, what: `3 ready web pods and a budget with ${JSON.stringify(want)}` })
}

await waitFor(async () => {
  const nodes = (await kubectlJson<{ items: Node[] }>(kubectl, ['get', 'nodes'])).items
  return nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === NODES
}, { timeoutMs: 60_000, what: `${NODES} Ready nodes` })
const path = join(stateDir, 'web.yaml')
await writeFile(path, MANIFESTS)
const applied = await kubectl(['apply', '-f', path])
if (applied.code !== 0) throw new Error(applied.stderr)

let drained = ''

t.test('drain - the budget reports its pods: 3 healthy, 2 desired, 1 disruption allowed', async (t) => {
  await settled({ desiredHealthy: 2, disruptionsAllowed: 1 })
  const status = (await budget()).status
  t.match(status, { observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 })
  t.match(status?.conditions, [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' }])
})

t.test('drain - cordon, then drain a node: its pods are evicted within the budget and run elsewhere', async (t) => {
  const before = await settled({ desiredHealthy: 2, disruptionsAllowed: 1 })
  drained = before[0]!.spec.nodeName!
  const onDrained = before.filter((p) => p.spec.nodeName === drained).map((p) => p.metadata.name)
  const cordon = await kubectl(['cordon', drained])
  t.equal(cordon.code, 0, cordon.stderr)
  t.equal((await node(drained)).spec?.unschedulable, true, 'spec.unschedulable')

  const r = await kubectl(['drain', drained, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s'], { timeoutMs: 120_000 })
  t.equal(r.code, 0, `drain: ${r.stderr}`)
  for (const name of onDrained) t.match(r.stdout, `pod/${name} evicted`)
  const after = await settled({ desiredHealthy: 2, disruptionsAllowed: 1 })
  t.notOk(after.some((p) => p.spec.nodeName === drained), 'no web pod on the drained node')
  t.notOk(after.some((p) => onDrained.includes(p.metadata.name)), 'the evicted pods were replaced by new ones')
  t.same((await budget()).status?.disruptedPods ?? {}, {}, 'the evictions are confirmed: disruptedPods emptied')
})

t.test('drain - a drain that would break the budget is refused until its timeout; the pod stays', async (t) => {
  const patched = await kubectl(['patch', 'pdb', 'web', '--type', 'merge', '-p', '{"spec":{"minAvailable":3}}'])
  t.equal(patched.code, 0, patched.stderr)
  const pods = await settled({ desiredHealthy: 3, disruptionsAllowed: 0 })
  t.match((await budget()).status, { observedGeneration: 2, conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }] })
  const target = pods.find((p) => p.spec.nodeName !== drained)!
  const victim = target.spec.nodeName!
  const r = await kubectl(['drain', victim, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=12s'], { timeoutMs: 60_000 })
  t.equal(r.code, 1, 'kubectl gives up at its timeout')
  t.match(r.stderr, `error when evicting pods/"${target.metadata.name}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`)
  t.match(r.stderr, `error when evicting pods/"${target.metadata.name}" -n "default": global timeout reached: 12s`)
  const onVictim = pods.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name).sort()
  const still = (await webPods()).filter((p) => p.spec.nodeName === victim && ready(p)).map((p) => p.metadata.name).sort()
  t.same(still, onVictim, 'every pod of the node is still there, Ready')
  t.match((await budget()).status, { currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 })
  t.equal((await node(victim)).spec?.unschedulable, true, 'the node stays cordoned')

  for (const name of [drained, victim]) {
    const u = await kubectl(['uncordon', name])
    t.equal(u.code, 0, u.stderr)
    t.notOk((await node(name)).spec?.unschedulable, `${name} schedulable again`)
  }
})
