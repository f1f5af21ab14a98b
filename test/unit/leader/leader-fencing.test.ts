/**
 * Leader-write fencing end to end in one simulation on virtual time: a store replica and the
 * apiserver's NATS side on one host, a scheduler on each of two more. The leading scheduler's
 * binds carry its term's token; once its host is killed and the other takes the lease in the
 * next term, a bind with the deposed term's token (as one still in flight would arrive) is
 * refused 409 while the new leader binds the same pod. And a deposed controller manager's DELETE
 * of a pod the next term already marked for deletion, which has nothing to write, is refused 409
 * too (sim seed 80156), with no scheduler running to change the pod meanwhile.
 */
import t from 'tap'
import type { Fence } from '../../../actors/apiserver/fence.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { decodeEvent, type WireEvent } from '../../../runtime/codec.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { Simulation } from '../../../runtime/sim/simulation.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'
import { simUntil } from '../../helpers/sim-until.ts'

const [SEED = 13] = seedsFrom('LEADER_FENCING_SEED', [13])
const PODS = '/api/v1/namespaces/default/pods'
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler'
const SCHEDULERS = ['s1', 's2'] as const

const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, status: { capacity: { cpu: '4', memory: '4Gi', pods: '110' }, allocatable: { cpu: '4', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } }
const pod = (name: string, nodeSelector?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'echo' }], ...(nodeSelector ? { nodeSelector } : {}) } })
const binding = (name: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'node-a' } })

function world(seed: number, schedulers: readonly string[] = SCHEDULERS) {
  const sim = new Simulation(seed)
  const disk = new MemoryDisk(sim.clock, seededRandom(seed))
  sim.addHost({ host: 'api', actors: [{ kind: 'store', id: 'api', options: { dataDir: '/sim/store/api', voters: ['api'] } }, { kind: 'apiserver', id: 'api', options: { https: false, port: 0, storeReplicas: ['api'] } }] }, { io: () => disk.incarnation() })
  for (const host of schedulers) sim.addHost({ host, actors: [{ kind: 'scheduler', id: host, options: { apiservers: ['api'] } }] })
  const client = (name: string, fence?: Fence) => new ApiClient({ transport: sim.client(name), cluster: 'c1', apiservers: ['api'], clock: sim.clock, timeoutMs: 2000, clientId: name, ...(fence ? { fence } : {}) })
  const api = client('test')
  /** Runs virtual time in 100 ms steps until `check` (an API read) gives a value. */
  const until = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => simUntil(sim, what, check, { stepMs: 100 })
  const leaseTerm = async (): Promise<Fence | undefined> => {
    const spec = (await api.get(LEASE)).spec as { holderIdentity?: string; leaseTransitions?: number }
    return spec.holderIdentity ? { lease: 'kube-scheduler', holder: spec.holderIdentity, term: spec.leaseTransitions ?? 0 } : undefined
  }
  const nodeOf = async (name: string) => ((await api.get(`${PODS}/${name}`)).spec as { nodeName?: string }).nodeName
  /** The fences the binds of pod `name` carried, in the order they were sent. */
  const bindFences = (name: string) =>
    sim.trace
      .map((m) => ({ from: m.from, call: decodeEvent(m.data) as WireEvent & { method?: string; path?: string; fence?: Fence } }))
      .filter(({ call }) => call.type === 'api.request' && call.method === 'POST' && call.path === `${PODS}/${name}/binding`)
      .map(({ from, call }) => ({ from, fence: call.fence }))
  return { sim, client, api, until, leaseTerm, nodeOf, bindFences }
}

t.test(`leader fencing - a deposed scheduler's bind is refused 409; the next term's leader binds the pod (${seedComment('LEADER_FENCING_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED)
  const first = await w.until('a scheduler leads', w.leaseTerm)
  await w.sim.drive(w.api.create('/api/v1/nodes', node), 5000, 'creating the node')
  await w.sim.drive(w.api.create(PODS, pod('first')), 5000, 'creating a pod')
  t.equal(await w.until('the first pod bound', () => w.nodeOf('first')), 'node-a')
  const leaderHost = first.holder.split('_')[0]!
  t.same(w.bindFences('first'), [{ from: leaderHost, fence: first }], 'the leader\'s bind carried its term\'s token')

  await w.sim.killHost(leaderHost)
  const next = await w.until('the other scheduler leads', async () => {
    const term = await w.leaseTerm()
    return term !== undefined && term.holder !== first.holder ? term : undefined
  })
  t.not(next.holder.split('_')[0], leaderHost, 'the other scheduler took the lease')
  t.ok(next.term > first.term, `in a later term (${first.term} -> ${next.term})`)

  // A pod no node fits yet, so that nothing but the deposed term's write can bind it first.
  await w.sim.drive(w.api.create(PODS, pod('second', { disk: 'ssd' })), 5000, 'creating a pod')
  const stale = await w.sim.drive(w.client('deposed', first).call('POST', `${PODS}/second/binding`, { body: binding('second') }), 5000, 'the deposed term\'s bind')
  t.equal(stale.status, 409, 'the deposed term\'s bind is refused')
  t.match(stale.body, { kind: 'Status', reason: 'Conflict', message: `Operation cannot be fulfilled on leases.coordination.k8s.io "kube-scheduler": the kube-scheduler lease term ${first.term} of ${first.holder} is over` })
  t.equal(await w.sim.drive(w.nodeOf('second'), 5000), undefined, 'and bound nothing')

  const labelled = { ...node, metadata: { ...node.metadata, labels: { disk: 'ssd' } } }
  const current = await w.sim.drive(w.api.get('/api/v1/nodes/node-a'), 5000)
  await w.sim.drive(w.api.update('/api/v1/nodes/node-a', { ...labelled, metadata: { ...labelled.metadata, resourceVersion: current.metadata?.resourceVersion } } as KubeObject), 5000, 'labelling the node')
  t.equal(await w.until('the second pod bound', () => w.nodeOf('second')), 'node-a', 'the new leader binds it')
  t.same(w.bindFences('second').at(-1), { from: next.holder.split('_')[0], fence: next }, 'with the new term\'s token')

  const unfenced = await w.sim.drive(w.api.create(PODS, pod('third')), 5000, 'an unfenced create')
  t.equal(unfenced.metadata?.name, 'third', 'an unfenced client (not a leader) writes as before')
  await w.sim.stop()
})

t.test(`leader fencing - a deposed controller manager's DELETE of a pod the next term already marked for deletion is refused 409 and changes nothing (sim seed 80156; ${seedComment('LEADER_FENCING_SEED', SEED, import.meta.url)})`, async (t) => {
  const w = world(SEED, [])
  const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases'
  const lease = (holderIdentity: string, leaseTransitions: number) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-controller-manager' }, spec: { holderIdentity, leaseDurationSeconds: 15, leaseTransitions } })
  const deposed: Fence = { lease: 'kube-controller-manager', holder: 'm3_a', term: 3 }
  const next: Fence = { lease: 'kube-controller-manager', holder: 'm1_b', term: 4 }
  await w.until('the apiserver answers', () => w.api.get('/api/v1/namespaces/default'))
  const created = await w.sim.drive(w.api.create(LEASES, lease(deposed.holder, deposed.term)), 5000, 'term 3 begins')
  // On a node, so its deletion is graceful (an unscheduled pod goes at once).
  const onNode = pod('web')
  const web = await w.sim.drive(w.api.create(PODS, { ...onNode, spec: { ...onNode.spec, nodeName: 'node-a' } }), 5000, 'creating a pod')
  await w.sim.drive(w.api.update(`${LEASES}/kube-controller-manager`, { ...lease(next.holder, next.term), metadata: { ...created.metadata } } as KubeObject), 5000, 'term 4 ends term 3')
  // The controller manager's DELETE as the seed sent it: uid precondition, background propagation.
  const deleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: web.metadata?.uid }, propagationPolicy: 'Background' }
  const fencedDelete = (fence: Fence, what: string) => w.sim.drive(w.client(`${fence.holder}-client`, fence).call('DELETE', `${PODS}/web`, { body: deleteOptions }), 5000, what)

  t.equal((await fencedDelete(next, 'term 4 deletes the pod')).status, 200, 'the current term marks the pod for deletion')
  const marked = await w.sim.drive(w.api.get(`${PODS}/web`), 5000)
  t.ok(marked.metadata?.deletionTimestamp, 'the pod is being deleted (its grace period runs)')

  const stale = await fencedDelete(deposed, 'term 3 deletes it again')
  t.equal(stale.status, 409, 'the deposed term\'s DELETE is refused, though it would change nothing')
  t.match(stale.body, { kind: 'Status', reason: 'Conflict', message: `Operation cannot be fulfilled on leases.coordination.k8s.io "kube-controller-manager": the kube-controller-manager lease term 3 of m3_a is over` })
  t.same(await w.sim.drive(w.api.get(`${PODS}/web`), 5000), marked, 'and the pod is as the current term left it (same resourceVersion)')

  const again = await fencedDelete(next, 'term 4 deletes it again')
  t.equal(again.status, 200, 'the current term\'s second DELETE is answered as before')
  t.equal((again.body as KubeObject).metadata?.resourceVersion, marked.metadata?.resourceVersion, 'without a write: the resourceVersion stays')
  await w.sim.stop()
})
