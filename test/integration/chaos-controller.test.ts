/**
 * The chaos controller end to end against one `actorkube up` (3 masters, 1 process-runtime
 * worker, 3 nats-servers), with real kubectl and the real CLI: `actorkube chaos run FILE` runs a
 * message-fault experiment to its verdict; three library experiments with their verdicts
 * (examples/chaos/worker-kill.yaml and nats-server-restart.yaml as written, store-leader-kill.yaml
 * cut to one short round): a worker host killed under a Deployment probe, the store leader's host
 * killed under a store probe (no acked write lost, linearizable), a nats-server killed (no host
 * restarts, no acked write lost); a host's fault lease lapsing by itself; the chaos controller's
 * own host killed mid-experiment (the next leader, from `.status`, resuming the fault on every
 * surviving host until its planned end, then healing it);
 * `kubectl delete cex` healing at once. The hosts' faults are read with `actorkube chaos status`,
 * the experiments with kubectl -o json.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parse as parseYaml } from 'yaml'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { isAlive, pidsWithArgument } from '../helpers/processes.ts'
import { BIN, REPO, startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'
import { explainedOnFailure, hostLogDigest } from '../helpers/cluster-diagnostics.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
// Three library experiments run to their verdicts here (about 100 s on a quiet machine): more than
// tap's 120 s per file leaves room for under load.
t.setTimeout(300_000)

const { stateDir, output } = await startUp(t, ['--masters', '3', '--workers', '1', '--nats-servers', '3', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-chaos-ctl-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 120_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}
const actorkube = (args: readonly string[], timeoutMs = 60_000): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, '--state-dir', stateDir], { cwd: REPO, timeout: timeoutMs }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }))
  })

interface HostChaos {
  readonly host: string
  readonly rules: readonly { id: string }[]
  readonly leases: readonly { id: string; kind: string; expiresInMs: number }[]
}
/** Every host's leased faults, from `actorkube chaos status`. */
async function hostLeases(): Promise<Map<string, HostChaos['leases']>> {
  const r = await actorkube(['chaos', 'status'])
  const hosts = r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as HostChaos)
  return new Map(hosts.map((h) => [h.host, h.leases]))
}
const leasesOf = async (prefix: string): Promise<string[]> => [...(await hostLeases()).entries()].flatMap(([host, leases]) => leases.filter((l) => l.id.startsWith(prefix)).map((l) => `${host}:${l.id}`))

interface Experiment {
  metadata: { uid: string }
  status?: {
    phase: string
    verdict?: string
    reason?: string
    faults: { name: string; targets: string[]; injectedAt?: string; healedAt?: string }[]
    rounds: { injectedAt?: string; detectedAt?: string; recoveredAt?: string; timeToRecoverMs?: number }[]
    probes: { name: string; successes: number; failures: number; linearizable?: boolean; operations?: number; ackedWritesLost?: number }[]
    timeToDetectMs?: number
    timeToRecoverMs?: number
    linearizable?: boolean
    ackedWritesLost?: number
    warnings: string[]
  }
}
const experiment = (name: string): Promise<Experiment> => kubectlJson<Experiment>(kubectl, ['get', 'cex', name])
const completed = (name: string, timeoutMs: number): Promise<NonNullable<Experiment['status']>> =>
  explained(name, waitFor(async () => {
    const status = (await experiment(name)).status
    return status?.phase === 'Completed' ? status : undefined
  }, { timeoutMs, intervalMs: 500, what: `${name} Completed` }))

/** The experiment's uid once its first fault is injected. */
const injected = async (name: string): Promise<string> =>
  (await explained(name, waitFor(async () => {
    const e = await experiment(name)
    return e.status?.faults[0]?.injectedAt !== undefined ? e : undefined
  }, { timeoutMs: 30_000, intervalMs: 250, what: `${name}'s fault injected` }))).metadata.uid
/** `waiting`, or on failure its error with the experiment's status, the hosts' leases and the masters' warnings. */
const explained = <T>(name: string, waiting: Promise<T>): Promise<T> =>
  explainedOnFailure(waiting, async () => {
    const status = await experiment(name).then((e) => JSON.stringify(e.status), (e: unknown) => `(not read: ${String(e)})`)
    const leases = await hostLeases().then((m) => JSON.stringify(Object.fromEntries(m)), (e: unknown) => `(not read: ${String(e)})`)
    return `status of ${name}: ${status}\nhost leases: ${leases}\nhost logs:\n${await hostLogDigest(stateDir)}`
  })

/** A library experiment's text (examples/chaos/). */
const example = (file: string): string => readFileSync(join(REPO, 'examples', 'chaos', file), 'utf8')

/** The store probe's check of a completed experiment, asserted: ran, linearizable, no acked write lost. */
function storeChecked(t: Test, status: NonNullable<Experiment['status']>, probe: string): void {
  const checked = status.probes.find((p) => p.name === probe)
  t.match(checked, { linearizable: true, ackedWritesLost: 0 }, `${probe}: linearizable, no acked write lost`)
  t.ok((checked?.operations ?? 0) > 8, `${probe} checked a history beyond its 8 final reads (${checked?.operations} operations)`)
  t.match(status, { linearizable: true, ackedWritesLost: 0 })
}

/** Each host's process id now. */
const hostPids = (): Record<string, number | undefined> =>
  Object.fromEntries(['master-1', 'master-2', 'master-3', 'worker-1'].map((h) => [h, pidsWithArgument(join(stateDir, 'hosts', `${h}.yaml`)).find(isAlive)]))

async function manifest(file: string, text: string): Promise<string> {
  const path = join(stateDir, file)
  await writeFile(path, text)
  return path
}

/** A fault that does no harm: dropping the echo actors' messages. */
const echoDrop = (name: string, duration: string, hosts: string, extra = '') => `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosExperiment
metadata: {name: ${name}}
spec:
  seed: 11
${extra}  method:
    faults:
    - name: drop-echo
      kind: message-drop
      duration: ${duration}
      mode: all
      target: {hosts: ${hosts}}
      params: {subject: "ak.c1.echo.>", probability: 1}
`
const nodeReadyProbe = `  steadyState:
    probes:
    - {name: worker-ready, type: kubernetes, interval: 500ms, timeout: 2s, kubernetes: {nodeReady: {name: worker-1}}}
`

await waitFor(async () => (await kubectlJson<{ items: unknown[] }>(kubectl, ['get', 'nodes'])).items.length === 1, { timeoutMs: 60_000, intervalMs: 500, what: 'the worker node' })

/** Metric probes over the hosts' /metrics: every host scraped (4 run actors), messages flowing (a rate from two scrapes). */
const metricProbes = `    - {name: every-host-scraped, type: metric, interval: 1s, timeout: 2s, metric: {expr: 'count(actorkube_actors_running)', comparator: {op: '==', value: 4}}}
    - {name: messages-flowing, type: metric, interval: 1s, timeout: 2s, metric: {expr: 'sum(rate(actorkube_messages_out_total{type!=""}[30s]))', comparator: {op: '>', value: 0}}}
`

t.test('chaos controller - actorkube chaos run: a message-drop experiment with node and metric probes, progress lines, Passed', async (t) => {
  const file = await manifest('drop-run.yaml', echoDrop('drop-run', '4s', '{roles: [worker]}', nodeReadyProbe + metricProbes))
  const run = await actorkube(['chaos', 'run', file], 120_000)
  t.equal(run.code, 0, run.stderr)
  const lines = run.stdout.trim().split('\n')
  t.equal(lines[0], 'chaosexperiment default/drop-run created')
  t.ok(lines.some((l) => /^Observing round 1 \| faults: drop-echo on worker-1 \| probes: worker-ready /.test(l)), 'a progress line shows the fault in force')
  t.match(lines.at(-1), /^drop-run: Passed \(AllProbesRecovered\), seed 11, /)
  const status = (await experiment('drop-run')).status!
  t.match(status, { phase: 'Completed', verdict: 'Passed', faults: [{ name: 'drop-echo', targets: ['worker-1'], injectedAt: /Z$/, healedAt: /Z$/ }] })
  t.ok(status.probes[0]!.successes > 0, 'the probe ran during the fault')
  for (const name of ['every-host-scraped', 'messages-flowing']) t.match(status.probes.find((p) => p.name === name), { failures: 0, successes: Number }, `${name} passed every run during the fault and recovery`)
  t.same(await leasesOf((await experiment('drop-run')).metadata.uid), [], 'no host holds a lease of it any more')
  const again = await actorkube(['chaos', 'run', file])
  t.equal(again.code, 1)
  t.match(again.stderr, /chaosexperiment default\/drop-run exists already/)
})

t.test('chaos controller - worker-kill.yaml as written: a worker host killed under a Deployment probe', async (t) => {
  const workerPid = hostPids()['worker-1']
  t.ok(workerPid, 'the worker host runs')
  // chaos run applies what the file carries besides the experiment (its Deployment) first.
  const run = await actorkube(['chaos', 'run', join(REPO, 'examples', 'chaos', 'worker-kill.yaml')], 170_000)
  t.same(run.stdout.split('\n').slice(0, 2), ['deployment/sleeper created', 'chaosexperiment default/worker-kill created'], `the file's Deployment, then its experiment: ${run.stderr}`)
  const status = await completed('worker-kill', 30_000)
  t.equal(run.code, status.verdict === 'Passed' ? 0 : 1, 'chaos run exits 0 only on Passed')
  t.comment(`worker-kill: ${status.verdict} (${status.reason}); detect ${status.timeToDetectMs} ms, recover ${status.timeToRecoverMs} ms; round ${JSON.stringify(status.rounds[0])}`)
  // Why the worker did not come back, if it did not: how up restarted it (each exit and its delay), and its last words.
  if (status.verdict !== 'Passed') {
    t.comment(output.lines.filter((l) => l.includes('host worker-1 ')).slice(-10).join('\n'))
    t.comment(readFileSync(join(stateDir, 'logs', 'worker-1.log'), 'utf8').split('\n').filter((l) => /"level":(40|50|60)|"host ready"|"host started"/.test(l)).slice(-15).join('\n'))
  }
  t.match(status, { verdict: 'Passed', faults: [{ name: 'kill-worker', targets: ['worker-1'], injectedAt: /Z$/, healedAt: /Z$/ }] })
  t.equal(isAlive(workerPid!), false, 'the worker host process was killed')
  const restarted = await waitFor(() => hostPids()['worker-1'], { timeoutMs: 30_000, what: 'up to restart worker-1' })
  t.not(restarted, workerPid)
  if (status.rounds[0]!.detectedAt !== undefined) t.ok(status.timeToRecoverMs! > 0, 'a detected failure has a time to recover')
})

t.test('chaos controller - nats-server-restart.yaml as written: nats-2 killed and restarted; no host restarts, no acked write lost', async (t) => {
  const { NatsTransport } = await import('../../runtime/transport/nats-transport.ts')
  const { Requester } = await import('../../runtime/transport/requester.ts')
  const { systemClock } = await import('../../runtime/clock.ts')
  const { requestNatsControl } = await import('../../runtime/cli/nats-control.ts')
  const { readClusterInfo } = await import('../../runtime/cli/cluster-info.ts')
  const transport = await NatsTransport.connect({ servers: [...readClusterInfo(stateDir).natsServers!], name: 'chaos-nats-test' })
  const requester = new Requester(transport, systemClock)
  t.teardown(async () => {
    requester.close()
    await transport.close()
  })
  const running = async (): Promise<boolean[]> => ((await requestNatsControl(requester, 'c1', { type: 'nats.status' })).servers as { running: boolean }[]).map((m) => m.running)
  const before = hostPids()
  t.equal((await kubectl(['apply', '-f', join(REPO, 'examples', 'chaos', 'nats-server-restart.yaml')])).code, 0)
  await injected('nats-server-restart')
  await waitFor(async () => (await running())[1] === false, { timeoutMs: 5000, intervalMs: 100, what: 'nats-2 down' })
  const status = await completed('nats-server-restart', 90_000)
  t.comment(`nats-server-restart: ${status.verdict} (${status.reason}); detect ${status.timeToDetectMs} ms, recover ${status.timeToRecoverMs} ms; probes ${JSON.stringify(status.probes.map(({ name, successes, failures, operations, ackedWritesLost, linearizable }) => ({ name, successes, failures, operations, ackedWritesLost, linearizable })))}`)
  t.match(status, { verdict: 'Passed', faults: [{ name: 'kill-nats-2', targets: ['nats-2'], injectedAt: /Z$/, healedAt: /Z$/ }] })
  storeChecked(t, status, 'store-writes')
  t.same(await running(), [true, true, true], 'nats-2 serves again')
  t.same(hostPids(), before, 'no host restarted')
})

t.test("chaos controller - a host's fault lease lapses by itself when nobody renews it", async (t) => {
  // Granted by hand (as a controller would) through the host's control subject, with a 1.5 s lease.
  const { NatsTransport } = await import('../../runtime/transport/nats-transport.ts')
  const { sendChaos } = await import('../../runtime/chaos/chaos-client.ts')
  const { systemClock } = await import('../../runtime/clock.ts')
  const { readClusterInfo } = await import('../../runtime/cli/cluster-info.ts')
  const info = readClusterInfo(stateDir)
  const transport = await NatsTransport.connect({ servers: [...(info.natsServers ?? [info.nats!])], name: 'chaos-lease-test' })
  t.teardown(() => transport.close())
  const grant = { type: 'chaos.lease.grant', lease: 'by-hand', ttlMs: 1500, fault: { kind: 'message', rule: { kind: 'drop', subject: 'ak.c1.echo.>' } } }
  const answers = await sendChaos(transport, systemClock, { cluster: 'c1', host: 'worker-1', command: grant })
  t.match(answers, [{ type: 'chaos.status', host: 'worker-1', leases: [{ id: 'by-hand', kind: 'message' }], rules: [{ id: 'by-hand' }] }])
  await waitFor(async () => (await leasesOf('by-hand')).length === 0, { timeoutMs: 15_000, intervalMs: 250, what: 'the lease to lapse' })
  const renew = { type: 'chaos.lease.renew', lease: 'by-hand', ttlMs: 1500 }
  const after = await sendChaos(transport, systemClock, { cluster: 'c1', host: 'worker-1', command: renew })
  t.match(after, [{ type: 'chaos.error', message: /lease "by-hand" is not held/ }], 'a late renewal does not bring it back')
})

/** The state letter of a process (`T`: stopped), from /proc. */
const processState = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!

t.test('chaos controller - host-stop: up stops the worker under a lease it holds, and continues it', async (t) => {
  const pid = pidsWithArgument(join(stateDir, 'hosts', 'worker-1.yaml')).find(isAlive)!
  const { NatsTransport } = await import('../../runtime/transport/nats-transport.ts')
  const { Requester } = await import('../../runtime/transport/requester.ts')
  const { systemClock } = await import('../../runtime/clock.ts')
  const { encodeEvent, decodeEvent } = await import('../../runtime/codec.ts')
  const { hostControlSubject } = await import('../../runtime/cli/host-control.ts')
  const { readClusterInfo } = await import('../../runtime/cli/cluster-info.ts')
  const info = readClusterInfo(stateDir)
  const transport = await NatsTransport.connect({ servers: [...(info.natsServers ?? [info.nats!])], name: 'chaos-host-stop-test' })
  const requester = new Requester(transport, systemClock)
  t.teardown(async () => {
    requester.close()
    await transport.close()
  })
  const ask = async (request: { type: string } & Record<string, unknown>) => decodeEvent((await requester.request(hostControlSubject('c1'), encodeEvent(request), { timeoutMs: 3000 })).data)
  // By hand, with a 1.5 s lease nobody renews: up continues the host by itself.
  t.match(await ask({ type: 'hosts.stop', host: 'worker-1', lease: 'by-hand', ttlMs: 1500 }), { type: 'hosts.status', stopped: [{ lease: 'by-hand', host: 'worker-1' }] })
  // The signal is sent before the answer, but the kernel stops the process when it next runs (under load, a moment later).
  await waitFor(() => processState(pid) === 'T', { timeoutMs: 1000, intervalMs: 20, what: 'the worker stopped' })
  await waitFor(() => processState(pid) !== 'T', { timeoutMs: 15_000, intervalMs: 100, what: 'the host continued when its lease lapsed' })
  t.match(await ask({ type: 'hosts.status' }), { stopped: [] })
  t.match(await ask({ type: 'hosts.stop', host: 'nobody', lease: 'x', ttlMs: 1000 }), { type: 'hosts.error', message: 'host "nobody" is not running' })
  // Through an experiment: stopped for its 4 s, then continued.
  const stop = `apiVersion: chaos.actorkube.io/v1alpha1
kind: ChaosExperiment
metadata: {name: stop-worker}
spec:
${nodeReadyProbe}  method:
    faults:
    - {name: stop-worker, kind: host-stop, duration: 4s, target: {hosts: {names: [worker-1]}}}
`
  t.equal((await kubectl(['apply', '-f', await manifest('stop-worker.yaml', stop)])).code, 0)
  await injected('stop-worker')
  await waitFor(() => processState(pid) === 'T', { timeoutMs: 5000, intervalMs: 100, what: 'the worker stopped' })
  const status = await completed('stop-worker', 90_000)
  t.match(status, { verdict: 'Passed', faults: [{ name: 'stop-worker', targets: ['worker-1'], injectedAt: /Z$/, healedAt: /Z$/ }] })
  t.not(processState(pid), 'T', 'continued')
  t.equal(isAlive(pid), true, 'the same process goes on')
})

t.test('chaos controller - leader: store aims at the replica that leads', async (t) => {
  const file = await manifest('store-leader-drop.yaml', echoDrop('store-leader-drop', '2s', '{}').replace('target: {hosts: {}}', 'target: {leader: store}'))
  t.equal((await kubectl(['apply', '-f', file])).code, 0)
  const status = await completed('store-leader-drop', 60_000)
  const replicas = (await actorkube(['store', 'status'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string })
  t.match(status, { verdict: 'Passed', faults: [{ targets: [replicas.find((r) => r.role === 'leader')!.id] }] })
})

t.test("chaos controller - store-leader-kill.yaml, one short round: the store leader's host killed; writes commit again, none lost, linearizable", async (t) => {
  const experiment = parseYaml(example('store-leader-kill.yaml')) as { spec: { repeat?: number; interval?: string; method: { faults: { duration: string }[] } } }
  experiment.spec.repeat = 1
  delete experiment.spec.interval
  experiment.spec.method.faults[0]!.duration = '4s'
  const leader = (await actorkube(['store', 'status'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string }).find((r) => r.role === 'leader')!.id
  const before = hostPids()[leader]
  t.equal((await kubectl(['apply', '-f', await manifest('store-leader-kill.json', JSON.stringify(experiment))])).code, 0)
  const status = await completed('store-leader-kill', 120_000)
  t.comment(`store-leader-kill: ${status.verdict} (${status.reason}); killed ${status.faults[0]?.targets}; detect ${status.timeToDetectMs} ms, recover ${status.timeToRecoverMs} ms; probes ${JSON.stringify(status.probes.map(({ name, successes, failures, operations, ackedWritesLost, linearizable }) => ({ name, successes, failures, operations, ackedWritesLost, linearizable })))}; warnings ${status.warnings.join('; ')}`)
  t.match(status, { verdict: 'Passed', faults: [{ name: 'kill-leader', targets: [/^master-\d$/], injectedAt: /Z$/, healedAt: /Z$/ }] })
  storeChecked(t, status, 'store-writes')
  const killed = status.faults[0]!.targets[0]!
  t.equal(killed, leader, 'the replica that led when the experiment began')
  t.not(await waitFor(() => hostPids()[killed], { timeoutMs: 30_000, what: `up to restart ${killed}` }), before, 'killed and restarted')
  // The next case aims at every host: wait until the restarted one answers again.
  await waitFor(async () => (await hostLeases()).has(killed), { timeoutMs: 30_000, intervalMs: 250, what: `${killed} answering chaos.status` })
})

t.test('chaos controller - its host killed mid-experiment: the next leader resumes the fault until its planned end, then heals it', async (t) => {
  // 30 s: long enough that the dead controller's last lease (10 s) runs out well before the fault's end.
  t.equal((await kubectl(['apply', '-f', await manifest('long-drop.yaml', echoDrop('long-drop', '30s', '{roles: [worker, master]}'))])).code, 0)
  const uid = await injected('long-drop')
  await explained('long-drop', waitFor(async () => (await leasesOf(uid)).length === 4, { timeoutMs: 10_000, intervalMs: 250, what: 'a lease on every host' }))
  const lease = await kubectlJson<{ spec: { holderIdentity: string } }>(kubectl, ['get', 'lease', '-n', 'kube-system', 'actorkube-chaos-controller'])
  const leader = lease.spec.holderIdentity.split('_')[0]!
  t.match(leader, /^master-\d$/)
  const injectedAt = Date.parse((await experiment('long-drop')).status!.faults[0]!.injectedAt!)
  const plannedEnd = injectedAt + 30_000
  for (const pid of pidsWithArgument(join(stateDir, 'hosts', `${leader}.yaml`))) process.kill(pid, 'SIGKILL')
  const killedAt = Date.now()
  const until = new Date(plannedEnd).toISOString()
  const resumed = `in Observing, round 1: resumed drop-echo until ${until}`
  await explained('long-drop', waitFor(async () => (await experiment('long-drop')).status?.warnings.some((w) => w.endsWith(resumed)), { timeoutMs: 20_000, intervalMs: 250, what: 'the next leader resuming the fault' }))
  // Past the dead controller's last lease: whatever the hosts still hold, the next leader granted again and renews.
  const survivors = ['master-1', 'master-2', 'master-3', 'worker-1'].filter((h) => h !== leader)
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 11_000 - Date.now())))
  const held = await leasesOf(uid)
  t.ok(Date.now() < plannedEnd, `checked before the fault's planned end (${plannedEnd - Date.now()} ms left)`)
  t.same(held.filter((h) => survivors.includes(h.split(':')[0]!)).sort(), survivors.map((h) => `${h}:${uid}/drop-echo/1`), `still in force on every surviving host 11 s after the kill: ${held.join(', ')}`)
  const status = await completed('long-drop', 90_000)
  t.match(status, { verdict: 'Passed', faults: [{ name: 'drop-echo', healedAt: /Z$/ }] })
  const healedAt = Date.parse(status.faults[0]!.healedAt!)
  t.ok(healedAt >= plannedEnd && healedAt < plannedEnd + 5000, `healed at its planned end: ${healedAt - plannedEnd} ms after it`)
  t.ok(status.warnings.some((w) => w.startsWith('controller restarted at ') && w.endsWith(resumed)), `the successor says what it resumed: ${status.warnings.join('; ')}`)
  await waitFor(async () => (await leasesOf(uid)).length === 0, { timeoutMs: 5000, intervalMs: 250, what: 'the fault lifted on every host' })
})

t.test('chaos controller - kubectl delete cex heals at once', async (t) => {
  t.equal((await kubectl(['apply', '-f', await manifest('deleted-drop.yaml', echoDrop('deleted-drop', '60s', '{roles: [worker]}'))])).code, 0)
  const uid = await injected('deleted-drop')
  await waitFor(async () => (await leasesOf(uid)).length === 1, { timeoutMs: 10_000, intervalMs: 250, what: 'the lease on worker-1' })
  t.equal((await kubectl(['delete', 'cex', 'deleted-drop'])).code, 0)
  // Well under the 10 s lease its last renewal left: the heal came from the controller.
  await waitFor(async () => (await leasesOf(uid)).length === 0, { timeoutMs: 5000, intervalMs: 100, what: 'the fault healed' })
  t.same((await hostLeases()).get('worker-1'), [], 'worker-1 holds no lease')
})

t.test('chaos controller - kubectl annotate actorkube.io/abort=true aborts and heals; chaos run exits 1', async (t) => {
  const running = actorkube(['chaos', 'run', await manifest('aborted-drop.yaml', echoDrop('aborted-drop', '60s', '{roles: [worker]}'))], 120_000)
  const uid = await injected('aborted-drop')
  t.equal((await kubectl(['annotate', 'cex', 'aborted-drop', 'actorkube.io/abort=true'])).code, 0)
  const run = await running
  t.equal(run.code, 1, 'chaos run exits 1 on Aborted')
  t.match(run.stdout, /\naborted-drop: Aborted \(annotated actorkube\.io\/abort=true\), seed 11/)
  const status = (await experiment('aborted-drop')).status!
  t.match(status, { phase: 'Completed', verdict: 'Aborted', faults: [{ healedAt: /Z$/ }] })
  t.same(await leasesOf(uid), [], 'no host holds its lease')
})
