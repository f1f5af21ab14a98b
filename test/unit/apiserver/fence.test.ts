/**
 * Leader-write fencing, the pure parts (actors/apiserver/fence.ts): the term record a kube-system
 * Lease write keeps, the compare a fenced write adds (judged by the store's own compare rules),
 * the token's wire shape, and handle() answering a write whose term is over with 409.
 */
import t from 'tap'
import { fenceCompare, fenceHolds, fenceKey, fenceRead, FenceRefused, parseFence, termRecordDelete, termRecordPut, type Fence } from '../../../actors/apiserver/fence.ts'
import { handle } from '../../../actors/apiserver/handle.ts'
import type { KubeObject, WriteOptions } from '../../../actors/apiserver/ports.ts'
import type { TxnOp } from '../../../actors/store/mvcc/commands.ts'
import { evaluateCompare } from '../../../actors/store/mvcc/compare.ts'
import type { KeyValue } from '../../../actors/store/mvcc/types.ts'
import { bodyOf, cluster, pod, PODS, request } from './memory-objects.ts'

const LEASE_KEY = '/registry/coordination.k8s.io/leases/kube-system/kube-scheduler'
const lease = (holderIdentity: string, leaseTransitions: number | undefined, renewTime = '2026-01-01T00:00:00.000000Z'): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
  spec: { holderIdentity, leaseDurationSeconds: 2, renewTime, ...(leaseTransitions !== undefined ? { leaseTransitions } : {}) },
})
const FENCE: Fence = { lease: 'kube-scheduler', holder: 'm1_a', term: 4 }

/** The record as the store holds it after `op` (a put) was applied. */
function recordOf(op: TxnOp | undefined): KeyValue {
  if (op?.type !== 'put') throw new Error(`expected a put, got ${JSON.stringify(op)}`)
  return { key: op.key, value: op.value, createRevision: 1, modRevision: 1, version: 1, lease: 0 }
}

t.test('fence - a kube-system Lease write keeps the term record; other keys keep none', async (t) => {
  const put = termRecordPut(LEASE_KEY, lease('m1_a', 4))
  t.match(put, { type: 'put', key: '/fences/kube-system/kube-scheduler' })
  t.equal(fenceKey('kube-scheduler'), '/fences/kube-system/kube-scheduler')
  t.notOk(fenceKey('x').startsWith('/registry/'), 'outside every resource prefix: no list or watch sees it')
  t.equal(termRecordPut('/registry/coordination.k8s.io/leases/kube-node-lease/node-1', lease('node-1', 0)), undefined, 'node heartbeats keep none')
  t.equal(termRecordPut('/registry/core/pods/kube-system/kube-scheduler', lease('m1_a', 4)), undefined)
  t.equal(termRecordPut(`${LEASE_KEY}/x`, lease('m1_a', 4)), undefined)
  t.same(termRecordDelete(LEASE_KEY), { type: 'deleteRange', key: '/fences/kube-system/kube-scheduler' }, 'deleting the Lease ends its term')
  t.equal(termRecordDelete('/registry/core/pods/default/web'), undefined)
})

t.test('fence - the compare holds exactly while the record names the token\'s holder and term', async (t) => {
  const compare = fenceCompare(FENCE)
  t.equal(compare.key, '/fences/kube-system/kube-scheduler')
  const cases: [string, KubeObject, boolean][] = [
    ['the term it was elected in', lease('m1_a', 4), true],
    ['renewed (only renewTime changed)', lease('m1_a', 4, '2026-01-01T00:00:05.000000Z'), true],
    ['another holder took over', lease('m2_b', 5), false],
    ['the same holder took it back in a new term', lease('m1_a', 5), false],
    ['released (no holder)', lease('', 4), false],
    ['an earlier term', lease('m1_a', 3), false],
  ]
  for (const [what, object, holds] of cases) {
    const record = recordOf(termRecordPut(LEASE_KEY, object))
    t.equal(evaluateCompare(compare, record), holds, `${what}: the store's compare ${holds ? 'holds' : 'fails'}`)
    t.equal(fenceHolds(FENCE, [record]), holds, `${what}: read back, the term ${holds ? 'lasts' : 'is over'}`)
  }
  t.equal(evaluateCompare(fenceCompare({ ...FENCE, term: 0 }), recordOf(termRecordPut(LEASE_KEY, lease('m1_a', undefined)))), true, 'a Lease without leaseTransitions is in term 0')
  t.equal(evaluateCompare(compare, null), false, 'no record (no Lease, or deleted): refused')
  t.equal(fenceHolds(FENCE, []), false)
  t.same(fenceRead(FENCE), { type: 'range', key: '/fences/kube-system/kube-scheduler' })
})

t.test('fence - the token from the wire is checked', async (t) => {
  t.same(parseFence({ lease: 'kube-scheduler', holder: 'm1_a', term: 0 }), { ok: true, fence: { lease: 'kube-scheduler', holder: 'm1_a', term: 0 } })
  const bad: [unknown, RegExp][] = [
    [null, /must be an object/],
    [[1], /must be an object/],
    ['kube-scheduler', /must be an object/],
    [{ holder: 'm1_a', term: 1 }, /lease must be/],
    [{ lease: 'kube-system/kube-scheduler', holder: 'm1_a', term: 1 }, /lease must be the name of a Lease in kube-system/],
    [{ lease: 'kube-scheduler', holder: '', term: 1 }, /holder must be a non-empty identity/],
    [{ lease: 'kube-scheduler', holder: 'm1_a', term: -1 }, /term must be a whole number >= 0/],
    [{ lease: 'kube-scheduler', holder: 'm1_a', term: 1.5 }, /term must be a whole number >= 0/],
    [{ lease: 'kube-scheduler', holder: 'm1_a', term: '1' }, /term must be a whole number >= 0/],
  ]
  for (const [value, message] of bad) t.match(parseFence(value), { ok: false, message }, JSON.stringify(value))
})

t.test('fence - handle() fences every write of a fenced request, and answers a term that is over with 409', async (t) => {
  const ports = await cluster(handle)
  await bodyOf(await handle(request('POST', PODS, { body: pod('web') }), ports))
  // The store's side, played here: the term is 4; a fence of any other term is refused.
  const seen: (Fence | undefined)[] = []
  const objects = ports.objects
  const check = (options: WriteOptions | undefined) => {
    seen.push(options?.fence)
    if (options?.fence !== undefined && options.fence.term !== 4) throw new FenceRefused(options.fence)
  }
  const fencedPorts = {
    ...ports,
    objects: {
      get: objects.get.bind(objects),
      list: objects.list.bind(objects),
      watch: objects.watch.bind(objects),
      create: (key: string, object: KubeObject, options?: WriteOptions) => (check(options), objects.create(key, object)),
      update: (key: string, object: KubeObject, rv?: string, options?: WriteOptions) => (check(options), objects.update(key, object, rv)),
      delete: (key: string, rv?: string, options?: WriteOptions) => (check(options), objects.delete(key, rv)),
      confirm: (key: string, rv?: string, options?: WriteOptions) => (check(options), objects.confirm(key, rv)),
    },
  }
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'node-1' } }
  const fenced = (fence: Fence, method: string, path: string, body?: unknown) => handle({ ...request(method, path, body === undefined ? {} : { body }), fence }, fencedPorts).then(bodyOf)

  const stale = await fenced({ ...FENCE, term: 3 }, 'POST', `${PODS}/web/binding`, binding)
  t.equal(stale.status, 409, 'a deposed leader\'s bind: 409')
  t.match(stale.body, { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409, message: /the kube-scheduler lease term 3 of m1_a is over/ })
  t.equal(seen.length, 1, 'refused at its first write: no retry loop goes on')
  t.equal(((await objects.get(`/registry/core/pods/default/web`))?.spec as { nodeName?: string }).nodeName, undefined, 'the pod stays unbound')
  t.equal((await fenced({ ...FENCE, term: 3 }, 'DELETE', `${PODS}/web`)).status, 409, 'a deposed leader\'s delete: 409')
  t.equal((await fenced({ ...FENCE, term: 3 }, 'POST', PODS, pod('other'))).body.reason, 'Conflict', 'a create refused for its term is a Conflict, not AlreadyExists')

  // Sim seed 80156: a deposed leader's DELETE of a pod already being deleted changes nothing, and
  // was answered 200 without touching the fence; it is confirmed as a write would be, and refused.
  await bodyOf(await handle(request('POST', PODS, { body: pod('busy', { nodeName: 'node-1' }) }), ports))
  t.equal((await fenced(FENCE, 'DELETE', `${PODS}/busy`)).status, 200, 'the current term marks a pod on a node for deletion')
  const marked = await objects.get(`/registry/core/pods/default/busy`)
  seen.length = 0
  t.equal((await fenced({ ...FENCE, term: 3 }, 'DELETE', `${PODS}/busy`)).status, 409, 'a deposed leader\'s DELETE with nothing left to change: 409')
  t.same(seen, [{ ...FENCE, term: 3 }], 'its fence was checked')
  t.same(await objects.get(`/registry/core/pods/default/busy`), marked, 'and the pod is unchanged')
  const again = await fenced(FENCE, 'DELETE', `${PODS}/busy`)
  t.equal(again.status, 200, 'the current term\'s second DELETE is answered 200')
  t.same(again.body, marked, 'with the pod as it is, unwritten')

  seen.length = 0
  t.equal((await fenced(FENCE, 'POST', `${PODS}/web/binding`, binding)).status, 201, 'the current term\'s bind succeeds')
  t.same(seen, [FENCE], 'with the fence on its write')
  seen.length = 0
  t.equal(bodyOf(await handle(request('POST', PODS, { body: pod('mine') }), fencedPorts)).status, 201, 'an unfenced request (kubectl over HTTPS) writes as before')
  t.same(seen, [undefined], 'without a fence')
})
