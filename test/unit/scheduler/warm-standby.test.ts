/**
 * The scheduler's failover in one simulation on virtual time: a store replica and an apiserver on
 * one host, a scheduler on each of two more. The standby's informers follow the cluster while the
 * leader binds, so when the leader's host is killed the standby takes the lease once it expires and
 * binds the next pod without opening a watch (no relist stands between its election and its first
 * bind): within the lease duration and a few hundred milliseconds of the kill.
 */
import t from 'tap'
import { SCHEDULER_LEADER_DEFAULTS } from '../../../actors/leader/leader-elected.machine.ts'
import { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { decodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { Simulation } from '../../../runtime/sim/simulation.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'
import { simUntil } from '../../helpers/sim-until.ts'

const [SEED = 21] = seedsFrom('WARM_STANDBY_SEED', [21])
const PODS = '/api/v1/namespaces/default/pods'
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler'
/** The lease expires for the standby at most a lease duration after the kill; the rest is the bind. */
const GOAL_MS = SCHEDULER_LEADER_DEFAULTS.leaseDurationMs + 400

const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, status: { capacity: { cpu: '4', memory: '4Gi', pods: '110' }, allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } }
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'echo' }] } })

t.test(`warm standby - the leader's host is killed: the standby binds the next pod within ${GOAL_MS} ms, opening no watch first (${seedComment('WARM_STANDBY_SEED', SEED, import.meta.url)})`, async (t) => {
  const sim = new Simulation(SEED)
  const disk = new MemoryDisk(sim.clock, seededRandom(SEED))
  sim.addHost({ host: 'api', actors: [{ kind: 'store', id: 'api', options: { dataDir: '/sim/store/api', voters: ['api'] } }, { kind: 'apiserver', id: 'api', options: { https: false, port: 0, storeReplicas: ['api'] } }] }, { io: () => disk.incarnation() })
  for (const host of ['s1', 's2']) sim.addHost({ host, actors: [{ kind: 'scheduler', id: host, options: { apiservers: ['api'] } }] })
  const api = new ApiClient({ transport: sim.client('test'), cluster: 'c1', apiservers: ['api'], clock: sim.clock, timeoutMs: 2000, clientId: 'test' })
  /** Polls (an API read) every 10 virtual ms until it gives a value. */
  const until = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => simUntil(sim, what, check, { stepMs: 10 })
  const holder = async () => ((await api.get(LEASE)).spec as { holderIdentity?: string }).holderIdentity || undefined
  const nodeOf = async (name: string) => ((await api.get(`${PODS}/${name}`)).spec as { nodeName?: string }).nodeName

  const first = await until('a scheduler leads', holder)
  await sim.drive(api.create('/api/v1/nodes', node), 5000, 'creating the node')
  await sim.drive(api.create(PODS, pod('first')), 5000, 'creating a pod')
  t.equal(await until('the first pod bound', () => nodeOf('first')), 'node-a')
  // Long enough for the standby's informers to have opened their watches and seen the bind.
  await sim.runFor(2000)
  const leaderHost = first.split('_')[0]!
  const standbyHost = leaderHost === 's1' ? 's2' : 's1'

  const killedAt = sim.clock.now()
  await sim.killHost(leaderHost)
  await sim.drive(api.create(PODS, pod('second')), 5000, 'creating a pod after the kill')
  t.equal(await until('the second pod bound', () => nodeOf('second')), 'node-a', 'the standby binds it')
  const boundAfter = Math.round(sim.clock.now() - killedAt)
  t.ok(boundAfter <= GOAL_MS, `bound ${boundAfter} virtual ms after the kill (goal ${GOAL_MS} ms)`)
  t.match(await sim.drive(holder(), 5000), new RegExp(`^${standbyHost}_`), 'the standby holds the lease')

  const sent = (from: string) =>
    sim.trace.filter((m) => m.from === from && m.at >= killedAt).map((m) => ({ at: m.at, call: decodeEvent(m.data) as WireEvent & { method?: string; path?: string } }))
  const firstBind = sent(standbyHost).find(({ call }) => call.type === 'api.request' && call.method === 'POST' && call.path === `${PODS}/second/binding`)
  t.ok(firstBind, 'the standby sent the bind')
  const watchesOpened = sent(standbyHost).filter(({ at, call }) => call.type === 'api.watch' && at <= firstBind!.at)
  t.same(watchesOpened, [], 'and opened no watch between the kill and its bind: its caches were warm')
  await sim.stop()
})
