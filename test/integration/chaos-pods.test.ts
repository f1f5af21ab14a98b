/**
 * Pod and node faults, ChaosSchedules and chaos RBAC end to end against one `actorkube up` (1
 * master, 2 process-runtime workers), with real kubectl: `container-kill` (the container killed by SIGKILL,
 * restarted by the kubelet, restartCount up), `pod-failure` (the pod not Ready while its starts are
 * refused, Ready again after the heal), `kubelet-stop` (worker-2's node NotReady through the node
 * lifecycle, Ready again after, its pod's container never restarted) run side by side, each to a
 * Passed verdict under a probe that saw the failure; a ChaosSchedule making an experiment on the
 * minute and deleting the oldest finished one beyond its historyLimit; a user without chaos rights
 * refused with 403 (Forbidden), and allowed once bound to `chaos-engineer`.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlJson } from '../helpers/kubectl.ts'
import { startReadyUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
// Not tap's 120 s: the schedule case alone waits up to 75 s for a minute to begin, and pod-failure
// recovers ~30 s after its kill (the killed container's immediate restart is refused, so is the
// retry 10 s later under the 12 s fault, the next comes 20 s after that). One run here on 2 loaded
// cores: `up` ready in ~60 s, and the 120 s ran out in the schedule case.
t.setTimeout(300_000)

const { stateDir, kubectl, output } = await startReadyUp(t, ['--masters', '1', '--workers', '2', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-chaos-pods-' })
t.teardown(() => {
  if (!t.passing()) t.comment(`up's last lines:\n${output.lines.slice(-30).join('\n')}`)
})

/** `kubectl <verb> -f` of the manifest `text` (apply by default). */
async function apply(file: string, text: string, extra: readonly string[] = [], verb = 'apply'): Promise<{ code: number; stderr: string }> {
  const path = join(stateDir, file)
  await writeFile(path, text)
  return kubectl([verb, '-f', path, ...extra])
}

interface Experiment {
  metadata: { name: string; uid: string }
  status?: {
    phase: string
    verdict?: string
    reason?: string
    faults: { name: string; targets: string[]; injectedAt?: string; healedAt?: string; error?: string }[]
    rounds: { detectedAt?: string; recoveredAt?: string }[]
    warnings?: string[]
  }
}
interface ContainerStatus {
  restartCount: number
  containerID?: string
  state: { waiting?: { reason: string } }
  lastState?: { terminated?: { exitCode: number; signal?: number } }
}
interface Pod {
  status?: { conditions?: { type: string; status: string }[]; containerStatuses?: ContainerStatus[] }
}

const completed = (name: string, timeoutMs = 60_000): Promise<NonNullable<Experiment['status']>> =>
  waitFor(async () => {
    const status = (await kubectlJson<Experiment>(kubectl, ['get', 'cex', name])).status
    return status?.phase === 'Completed' ? status : undefined
  }, { timeoutMs, intervalMs: 500, what: `${name} Completed` })
const pod = (name: string): Promise<Pod> => kubectlJson<Pod>(kubectl, ['get', 'pod', name])
const ready = (p: Pod): boolean => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
const container = (p: Pod): ContainerStatus | undefined => p.status?.containerStatuses?.[0]

const sleeper = (name: string, node: string, extra = '', container = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  nodeName: ${node}
  containers:
  - {name: main, image: actorkube/sleep${container}}
${extra}`
/**
 * Ready 3 s after each start, as an app that takes a while to come up: a killed container is
 * restarted at once (its first exit, as the kubelet does), so without it the pod would be back
 * Ready before a probe could see it gone.
 */
const slowToReady = ', readinessProbe: {exec: {command: ["true"]}, initialDelaySeconds: 3, periodSeconds: 1}'
/** Stays on an unreachable node past the fast default of 5 s (that pod would be evicted: its pods move). */
const staysOnUnreachable = `  tolerations:
  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
`
/** An experiment with one probe and one fault. */
const experiment = (name: string, probe: string, fault: string) => `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosExperiment
metadata: {name: ${name}}
spec:
  seed: 7
  recoveryTimeout: 40s
  steadyState:
    probes:
    - {name: check, type: kubernetes, interval: 500ms, timeout: 2s, kubernetes: ${probe}}
  method:
    faults:
    - ${fault}
`
/** What a schedule makes: a fault whose selector matches nothing, over in a second. */
const harmlessSpec = `      method:
        faults:
        - {name: nothing, kind: pod-kill, duration: 1s, target: {pods: {selector: {matchLabels: {app: no-such-pod}}}}}`

const podsReady = (app: string) => `{podsReady: {selector: {matchLabels: {app: ${app}}}, count: 1}}`
let steadyBefore: ContainerStatus | undefined

t.test('chaos pods - setup: a schedule and an earlier run of it, three pods, three fault experiments side by side', async (t) => {
  // The schedule first: it fires on the next minute, while the faults below run.
  t.equal((await apply('schedule.yaml', `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosSchedule
metadata: {name: every-minute}
spec:
  schedule: '* * * * *'
  historyLimit: 1
  experimentTemplate:
    metadata: {labels: {made-by: every-minute}}
    spec:
${harmlessSpec}
`)).code, 0)
  const scheduleUid = (await kubectlJson<{ metadata: { uid: string } }>(kubectl, ['get', 'csch', 'every-minute'])).metadata.uid
  // An earlier run of the schedule (as if made a minute before), owned by it: the history limit's first victim.
  t.equal((await apply('earlier.yaml', `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: every-minute-earlier
  ownerReferences: [{apiVersion: chaos.actorkube.io/v1alpha1, kind: ChaosSchedule, name: every-minute, uid: ${scheduleUid}, controller: true}]
spec:
${harmlessSpec.replace(/^ {4}/gm, '')}
`)).code, 0)

  t.equal((await apply('pods.yaml', [sleeper('ck', 'worker-1', '', slowToReady), sleeper('pf', 'worker-1'), sleeper('steady', 'worker-2', staysOnUnreachable)].join('---\n'))).code, 0)
  await waitFor(async () => (await Promise.all(['ck', 'pf', 'steady'].map(pod))).every(ready), { timeoutMs: 30_000, intervalMs: 500, what: 'the three pods Ready' })
  steadyBefore = container(await pod('steady'))

  t.equal((await apply('faults.yaml', [
    experiment('container-kill', podsReady('ck'), '{name: kill, kind: container-kill, duration: 2s, target: {pods: {selector: {matchLabels: {app: ck}}}}}'),
    experiment('pod-failure', podsReady('pf'), '{name: fail, kind: pod-failure, duration: 12s, target: {pods: {selector: {matchLabels: {app: pf}}}}}'),
    experiment('kubelet-stop', '{nodeReady: {name: worker-2}}', '{name: stop, kind: kubelet-stop, duration: 10s, target: {nodes: {selector: {matchLabels: {kubernetes.io/hostname: worker-2}}}}}'),
  ].join('---\n'))).code, 0)
})

t.test('chaos pods - pod-failure: starts refused while the fault holds, the pod not Ready, Ready again after', async (t) => {
  const refused = await waitFor(async () => {
    const p = await pod('pf')
    return container(p)?.state.waiting?.reason === 'RunContainerError' ? p : undefined
  }, { timeoutMs: 20_000, intervalMs: 250, what: 'pf waiting with RunContainerError' })
  t.notOk(ready(refused), 'not Ready while its start is refused')
  const status = await completed('pod-failure')
  t.match(status, { verdict: 'Passed', faults: [{ name: 'fail', targets: ['default/pf'], injectedAt: /Z$/, healedAt: /Z$/ }] })
  t.ok(status.rounds[0]?.detectedAt, 'the probe saw the pod not Ready')
  const after = await pod('pf')
  t.ok(ready(after), 'Ready again')
  t.ok(container(after)!.restartCount >= 1, 'its container was killed and started again')
})

t.test('chaos pods - container-kill: the kubelet restarts the container, restartCount goes up', async (t) => {
  const status = await completed('container-kill')
  t.match(status, { verdict: 'Passed', faults: [{ name: 'kill', targets: ['default/ck'], healedAt: /Z$/ }] })
  t.ok(status.rounds[0]?.detectedAt, 'the probe saw the pod not Ready')
  const after = await pod('ck')
  t.ok(ready(after))
  t.equal(container(after)!.restartCount, 1)
  t.match(container(after)!.lastState, { terminated: { exitCode: 137, signal: 9 } }, 'killed by SIGKILL')
})

t.test('chaos pods - kubelet-stop: the node NotReady and Ready again, its containers untouched', async (t) => {
  const status = await completed('kubelet-stop')
  t.match(status, { verdict: 'Passed', faults: [{ name: 'stop', targets: ['worker-2'], healedAt: /Z$/ }] })
  t.ok(status.rounds[0]?.detectedAt, 'the node probe saw worker-2 not Ready')
  const node = await kubectlJson<{ status: { conditions: { type: string; status: string }[] } }>(kubectl, ['get', 'node', 'worker-2'])
  t.equal(node.status.conditions.find((c) => c.type === 'Ready')?.status, 'True')
  const steady = container(await pod('steady'))!
  t.same([steady.restartCount, steady.containerID], [steadyBefore?.restartCount, steadyBefore?.containerID], 'a stopped kubelet leaves its containers running')
})

t.test('chaos pods - a user without chaos rights gets 403; bound to chaos-engineer, creates', async (t) => {
  const probe = experiment('by-alice', podsReady('ck'), '{name: kill, kind: container-kill, duration: 1s, target: {pods: {selector: {matchLabels: {app: ck}}}}}')
  const refused = await apply('by-alice.yaml', probe, ['--as', 'alice'], 'create')
  t.equal(refused.code, 1)
  t.match(refused.stderr, 'Error from server (Forbidden)')
  t.match(refused.stderr, 'chaosexperiments.chaos.actorkube.io is forbidden: User "alice" cannot create resource "chaosexperiments" in API group "chaos.actorkube.io" in the namespace "default"')
  t.equal((await kubectl(['create', 'rolebinding', 'alice-edits', '--clusterrole', 'edit', '--user', 'alice'])).code, 0)
  const canI = (verb: string) => kubectl(['auth', 'can-i', verb, 'chaosexperiments.chaos.actorkube.io', '--as', 'alice'])
  t.equal((await canI('create')).code, 1, 'edit does not carry chaos')
  t.equal((await kubectl(['create', 'rolebinding', 'alice-chaos', '--clusterrole', 'chaos-engineer', '--user', 'alice'])).code, 0)
  t.equal((await canI('create')).code, 0, 'chaos-engineer does')
  const allowed = await apply('by-alice.yaml', probe, ['--as', 'alice'], 'create')
  t.equal(allowed.code, 0, allowed.stderr)
  t.equal((await kubectl(['delete', 'cex', 'by-alice', '--as', 'alice'])).code, 0)
})

t.test('chaos pods - a schedule makes an experiment on the minute and keeps historyLimit finished ones', async (t) => {
  const made = await waitFor(async () => {
    const list = await kubectlJson<{ items: Experiment[] }>(kubectl, ['get', 'cex', '-l', 'made-by=every-minute'])
    return list.items.find((e) => /^every-minute-\d+$/.test(e.metadata.name))
  }, { timeoutMs: 75_000, intervalMs: 1000, what: 'the schedule\'s experiment' })
  t.match((await completed(made.metadata.name)).verdict, 'Passed')
  await waitFor(async () => (await kubectl(['get', 'cex', 'every-minute-earlier', '-o', 'json'])).code !== 0, { timeoutMs: 15_000, intervalMs: 500, what: 'the earlier experiment deleted' })
  const schedule = await kubectlJson<{ status?: { lastScheduleTime?: string; active?: unknown[] } }>(kubectl, ['get', 'csch', 'every-minute'])
  t.match(schedule.status?.lastScheduleTime, /:00Z$/, 'lastScheduleTime is the minute it fired')
  t.equal(schedule.status?.active, undefined, 'nothing running')
  const left = await kubectlJson<{ items: Experiment[] }>(kubectl, ['get', 'cex'])
  t.same(left.items.filter((e) => e.metadata.name.startsWith('every-minute')).map((e) => e.metadata.name), [made.metadata.name], 'one finished experiment kept')
})
