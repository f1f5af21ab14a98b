/**
 * The chaos controller's status writes that fail while it leads are tried again until they land
 * (runtime/chaos/chaos-controller-engine.ts, fixed in 1c028c1). Before, a failed write ended the
 * step: its later effects, its timer among them, were never carried out, and the experiment sat
 * where it was for good (the chaos bench at 20:04: after a takeover the new leader's first status
 * write went to a SIGSTOPped master's apiserver and timed out after 5 s; the experiment stayed in
 * Observing). One simulation on virtual time: a master (store replica, apiserver) and the real
 * chaos controller on hosts of their own; a drop rule on a controller host's transport loses its
 * status writes (`chaosexperiments/status`) and nothing else, so each one times out as a write to
 * a stopped apiserver does. Cases: the leader's first writes lost; a takeover whose first writes
 * are lost (the bench's stall); a leader whose term ends while it retries sends nothing after; an
 * experiment deleted while its write is retried (the write would get 404 for ever) is healed at once;
 * a controller on a master writes to its own master's apiserver (a stopped other master's would
 * hold the write for the client's timeout).
 */
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { CHAOS_API_VERSION, type ChaosExperimentStatus } from '../../../actors/chaos/api.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { decodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { sendChaos } from '../../../runtime/chaos/chaos-client.ts'
import { parseFaultRule } from '../../../runtime/chaos/fault-rules.ts'
import { createLogger } from '../../../runtime/log.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { Simulation } from '../../../runtime/sim/simulation.ts'
import { subjectFor } from '../../../runtime/subjects.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'
import { simUntil } from '../../helpers/sim-until.ts'

const [SEED = 5] = seedsFrom('CHAOS_STATUS_RETRY_SEED', [5])
const EXPERIMENTS = `/apis/${CHAOS_API_VERSION}/namespaces/default/chaosexperiments`
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/actorkube-chaos-controller'
const LOSE_STATUS_WRITES = 'lose-status-writes'

interface Experiment extends KubeObject {
  readonly status?: ChaosExperimentStatus
}

/** A harmless fault (the echo actors' messages dropped on the master) lasting `duration`. */
const echoDrop = (name: string, duration: string) => ({
  apiVersion: CHAOS_API_VERSION,
  kind: 'ChaosExperiment',
  metadata: { name },
  spec: { seed: 11, method: { faults: [{ name: 'drop-echo', kind: 'message-drop', duration, mode: 'all', target: { hosts: { names: ['api'] } }, params: { subject: 'ak.c1.echo.>', probability: 1 } }] } },
})

/** Two faults at once on the master: one healed after 1 s, the other in force for a minute. */
const shortAndLong = (name: string) => {
  const [fault] = echoDrop(name, '1s').spec.method.faults
  return { ...echoDrop(name, '1s'), spec: { seed: 11, method: { mode: 'Parallel', faults: [fault, { ...fault!, name: 'drop-echo-long', duration: '60s' }] } } }
}

/** Log lines the hosts wrote at warn and above, as objects (the simulation's logger). */
function warnings() {
  const lines: { host?: string; msg?: string; experiment?: string }[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter((l) => l !== '')) lines.push(JSON.parse(line) as (typeof lines)[number])
      done()
    },
  })
  return { log: createLogger({ base: {}, level: 'warn', destination }), lines }
}

/** `withApiservers`: each controller's host also runs an apiserver of its id (a master's), listed after the first master's. */
function world(seed: number, controllers: readonly string[], withApiservers = false) {
  const { log, lines } = warnings()
  const sim = new Simulation(seed, { log })
  const disk = new MemoryDisk(sim.clock, seededRandom(seed))
  sim.addHost({ host: 'api', actors: [{ kind: 'store', id: 'api', options: { dataDir: '/sim/store/api', voters: ['api'] } }, { kind: 'apiserver', id: 'api', options: { https: false, port: 0, storeReplicas: ['api'] } }] }, { io: () => disk.incarnation() })
  for (const host of controllers) {
    const apiserver = { kind: 'apiserver', id: host, options: { https: false, port: 0, storeReplicas: ['api'] } }
    const controller = { kind: 'chaoscontroller', id: host, options: { apiservers: withApiservers ? ['api', host] : ['api'] } }
    sim.addHost({ host, actors: withApiservers ? [apiserver, controller] : [controller] })
  }
  const api = new ApiClient({ transport: sim.client('test'), cluster: 'c1', apiservers: ['api'], clock: sim.clock, timeoutMs: 2000, clientId: 'test' })
  const until = <T>(what: string, check: () => Promise<T | undefined>, maxMs?: number): Promise<T> => simUntil(sim, what, check, { stepMs: 100, ...(maxMs !== undefined ? { maxMs } : {}) })
  const leader = async (): Promise<string | undefined> => ((await api.get(LEASE)).spec as { holderIdentity?: string }).holderIdentity?.split('_')[0]
  const experiment = (name: string) => api.get(`${EXPERIMENTS}/${name}`) as Promise<Experiment>
  /** The experiment's status once it is in `phase`. */
  const phaseOf = async (name: string, phase: string) => {
    const status = (await experiment(name)).status
    return status?.phase === phase ? status : undefined
  }
  /** From now on `host` loses every status write it sends (and nothing else). */
  const loseStatusWrites = (host: string) => sim.hosts.get(host)!.faults.setRule(parseFaultRule({ id: LOSE_STATUS_WRITES, kind: 'drop', subject: subjectFor('c1', { component: 'apiserver', instance: 'api' }), eventTypes: ['chaosexperiments/status'] }))
  const deliverStatusWrites = (host: string) => sim.hosts.get(host)?.faults.clearRules(LOSE_STATUS_WRITES)
  /** `host`'s Lease renewals lost: its term ends while the host runs on. */
  const loseLeaseWrites = (host: string) => sim.hosts.get(host)!.faults.setRule(parseFaultRule({ id: 'lose-lease-writes', kind: 'drop', subject: subjectFor('c1', { component: 'apiserver', instance: 'api' }), eventTypes: ['leases'] }))
  const chaosTransport = sim.client('chaos-status')
  /** The ids of the fault leases the master holds now (`actorkube chaos status`). */
  const leasesOnMaster = async (): Promise<string[]> => {
    const answers = await sendChaos(chaosTransport, sim.clock, { cluster: 'c1', host: 'api', command: { type: 'chaos.status' } })
    return answers.flatMap((a) => ((a as { leases?: { id: string }[] }).leases ?? []).map((l) => l.id))
  }
  /** Failed status writes `host` logged so far. */
  const failedWrites = (host: string) => lines.filter((l) => l.host === host && /^status write failed/.test(l.msg ?? ''))
  /** Status writes `host` sent that got past its faults, with their virtual time. */
  const statusWritesSent = (host: string) =>
    sim.trace
      .filter((m) => m.from === host)
      .map((m) => ({ at: m.at, subject: m.subject, call: decodeEvent(m.data) as WireEvent & { method?: string; path?: string } }))
      .filter(({ call }) => call.type === 'api.request' && call.method === 'PATCH' && /\/chaosexperiments\/[^/]+\/status$/.test(call.path ?? ''))
  return { sim, api, until, leader, experiment, phaseOf, leasesOnMaster, loseStatusWrites, deliverStatusWrites, loseLeaseWrites, failedWrites, statusWritesSent }
}

/** The verdict, with the fault injected and healed at its end: the timers were carried out. */
function finishedAsPlanned(t: Test, status: ChaosExperimentStatus, durationMs: number): void {
  t.match(status, { phase: 'Completed', verdict: 'Passed', faults: [{ name: 'drop-echo', targets: ['api'], injectedAt: /Z$/, healedAt: /Z$/ }] })
  const fault = status.faults[0]!
  const lasted = Date.parse(fault.healedAt!) - Date.parse(fault.injectedAt!)
  t.ok(lasted >= durationMs && lasted < durationMs + 2000, `the fault was healed at its end by the step's timer (lasted ${lasted} ms of ${durationMs})`)
}

t.test(`chaos status write - the leader's first status writes are lost; tried again, the experiment goes on to its verdict (${seedComment('CHAOS_STATUS_RETRY_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED, ['m1'])
  t.equal(await w.until('the chaos controller leads', w.leader), 'm1')
  w.loseStatusWrites('m1')
  await w.sim.drive(w.api.create(EXPERIMENTS, echoDrop('first-lost', '3s')), 5000, 'creating the experiment')
  await w.until('a status write failed', async () => (w.failedWrites('m1').length > 0 ? true : undefined))
  // Two lost in a row: the retry itself may fail and is tried again.
  await w.until('a second status write failed', async () => (w.failedWrites('m1').length > 1 ? true : undefined))
  w.deliverStatusWrites('m1')
  t.equal(await w.sim.drive(w.leader(), 5000), 'm1', 'the controller led throughout')
  const status = await w.until('the experiment completed', () => w.phaseOf('first-lost', 'Completed'), 60_000)
  finishedAsPlanned(t, status, 3000)
  t.equal(await w.sim.drive(w.leader(), 5000), 'm1', 'the same term finished it')
})

t.test(`chaos status write - after a takeover the new leader's first status writes are lost; it still resumes the fault, heals it at its end and finishes the experiment (${seedComment('CHAOS_STATUS_RETRY_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED, ['m1', 'm2'])
  const first = await w.until('a chaos controller leads', w.leader)
  const next = first === 'm1' ? 'm2' : 'm1'
  await w.sim.drive(w.api.create(EXPERIMENTS, echoDrop('takeover', '30s')), 5000, 'creating the experiment')
  await w.until('the experiment observing', () => w.phaseOf('takeover', 'Observing'))
  // The standby writes nothing until it leads: its first writes are the takeover's.
  w.loseStatusWrites(next)
  await w.sim.killHost(first)
  t.equal(await w.until('the other controller leads', async () => ((await w.leader()) === next ? next : undefined)), next)
  await w.until('its status write failed', async () => (w.failedWrites(next).length > 0 ? true : undefined))
  t.same(w.statusWritesSent(next), [], 'none of its status writes landed yet')
  w.deliverStatusWrites(next)
  const status = await w.until('the experiment completed', () => w.phaseOf('takeover', 'Completed'), 60_000)
  finishedAsPlanned(t, status, 30_000)
  t.match(status.warnings, [/^controller restarted .* in Observing, round 1: resumed drop-echo until \S+Z$/], 'the fault resumed until its planned end')
  t.ok(w.statusWritesSent(next).length > 0, 'the new leader wrote it')
})

t.test(`chaos status write - a leader whose term ends while it retries sends no status write after; the next leader runs the experiment (${seedComment('CHAOS_STATUS_RETRY_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED, ['m1', 'm2'])
  const first = await w.until('a chaos controller leads', w.leader)
  const next = first === 'm1' ? 'm2' : 'm1'
  w.loseStatusWrites(first)
  await w.sim.drive(w.api.create(EXPERIMENTS, echoDrop('term-ends', '3s')), 5000, 'creating the experiment')
  await w.until('its status write failed twice', async () => (w.failedWrites(first).length > 1 ? true : undefined))
  w.loseLeaseWrites(first)
  t.equal(await w.until('the other controller leads', async () => ((await w.leader()) === next ? next : undefined)), next)
  // Its term is over (it stops acting within its renew deadline, before anyone else can take the
  // Lease): from now on a status write of its own would get through and be seen.
  w.deliverStatusWrites(first)
  const retriesInTerm = w.failedWrites(first).length
  const status = await w.until('the experiment completed', () => w.phaseOf('term-ends', 'Completed'), 60_000)
  finishedAsPlanned(t, status, 3000)
  t.same(w.statusWritesSent(first), [], 'the deposed leader sent no status write after its term')
  t.equal(w.failedWrites(first).length, retriesInTerm, 'nor tried one again')
  t.ok(w.statusWritesSent(next).length > 0, 'the next leader wrote the status')
})

t.test(`chaos status write - an experiment deleted while its status write is retried: the retries stop, its faults are healed at once (${seedComment('CHAOS_STATUS_RETRY_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED, ['m1'])
  t.equal(await w.until('the chaos controller leads', w.leader), 'm1')
  const created = await w.sim.drive(w.api.create(EXPERIMENTS, shortAndLong('deleted')), 5000, 'creating the experiment')
  const uid = String(created.metadata?.uid)
  const leases = await w.until('both faults in force', async () => {
    const ids = (await w.leasesOnMaster()).filter((id) => id.startsWith(uid)).sort()
    return ids.length === 2 ? ids : undefined
  })
  t.same(leases, [`${uid}/drop-echo-long/1`, `${uid}/drop-echo/1`], 'both leased on the master')
  // The short fault's heal is written while the writes are lost: that write is retried.
  w.loseStatusWrites('m1')
  await w.until('its status write failed', async () => (w.failedWrites('m1').length > 0 ? true : undefined))
  await w.sim.drive(w.api.delete(`${EXPERIMENTS}/deleted`), 5000, 'deleting the experiment')
  const deletedAt = w.sim.clock.now()
  // The outage ends: a write now gets a 404, as it would for ever.
  w.deliverStatusWrites('m1')
  await w.until('the long fault healed', async () => ((await w.leasesOnMaster()).some((id) => id.startsWith(uid)) ? undefined : true), 15_000)
  t.ok(w.sim.clock.now() - deletedAt < 3000, `healed ${Math.round(w.sim.clock.now() - deletedAt)} ms after the deletion, not when its lease ran out`)
  await w.sim.runFor(10_000)
  t.ok(w.statusWritesSent('m1').filter((s) => s.at > deletedAt).length <= 1, 'no more status writes for the deleted experiment')
})

t.test(`chaos status write - a controller on a master writes the status to its own master's apiserver (${seedComment('CHAOS_STATUS_RETRY_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED, ['m1'], true)
  t.equal(await w.until('the chaos controller leads', w.leader), 'm1')
  await w.sim.drive(w.api.create(EXPERIMENTS, echoDrop('own-apiserver', '3s')), 5000, 'creating the experiment')
  finishedAsPlanned(t, await w.until('the experiment completed', () => w.phaseOf('own-apiserver', 'Completed'), 60_000), 3000)
  const subjects = w.statusWritesSent('m1').map((s) => s.subject)
  t.ok(subjects.length > 2, `it wrote the status ${subjects.length} times`)
  t.same([...new Set(subjects)], [subjectFor('c1', { component: 'apiserver', instance: 'm1' })], 'every time to its own apiserver, none to the other master\'s in turn')
})
