/**
 * The RBAC informer (runtime/apiserver/rbac-informer.ts) over an in-memory objects port on a
 * virtual clock: it lists and watches each RBAC kind, so a new binding grants and a deleted one
 * revokes without a read per decision; a watch that ends is re-listed a second later (changes
 * made meanwhile are picked up), and closing it stops everything.
 */
import t from 'tap'
import { authorize, defaultPolicy } from '../../../actors/apiserver/authz/policy.ts'
import type { ObjectEvent, ObjectsPort } from '../../../actors/apiserver/ports.ts'
import { RbacInformer } from '../../../runtime/apiserver/rbac-informer.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { MemoryObjects } from './memory-objects.ts'

const RBAC = 'rbac.authorization.k8s.io'
const ROLE_KEY = `/registry/${RBAC}/roles/dev/reader`
const BINDING_KEY = `/registry/${RBAC}/rolebindings/dev/alice`
const role = { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { namespace: 'dev', name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] }
const binding = { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { namespace: 'dev', name: 'alice' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice' }] }
const alice = { user: 'alice', groups: ['system:authenticated'] }
const listPods = { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'dev' }
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** MemoryObjects whose watches the test can end, as a watch cache's broken feed ends them. */
function endableWatches(objects: MemoryObjects): { port: ObjectsPort; endAll(error: Error): Promise<void> } {
  const live: { cancel(): Promise<void>; onError?: (error: Error) => void }[] = []
  const port: ObjectsPort = {
    create: (k, o) => objects.create(k, o),
    update: (k, o, rv) => objects.update(k, o, rv),
    delete: (k, rv) => objects.delete(k, rv),
    confirm: (k, rv) => objects.confirm(k, rv),
    get: (k, opts) => objects.get(k, opts),
    list: (p, opts) => objects.list(p, opts),
    watch: async (prefix, rv, onEvents: (events: readonly ObjectEvent[]) => void, onError) => {
      const w = await objects.watch(prefix, rv, onEvents, onError)
      live.push({ cancel: () => w.cancel(), ...(onError ? { onError } : {}) })
      return w
    },
  }
  return {
    port,
    endAll: async (error) => {
      for (const w of live.splice(0)) {
        await w.cancel()
        w.onError?.(error)
      }
    },
  }
}

t.test('rbac informer - follows bindings; a watch that ends is re-listed after a second', async (t) => {
  const objects = new MemoryObjects()
  await objects.create(ROLE_KEY, role)
  const { port, endAll } = endableWatches(objects)
  const clock = new VirtualClock(0)
  const informer = await RbacInformer.start(port, defaultPolicy(), { clock, log: silentLogger })
  t.teardown(() => informer.close())
  t.equal(authorize(informer.policy(), alice, listPods).allowed, false, 'the role alone grants nothing')

  await objects.create(BINDING_KEY, binding)
  await settle()
  t.equal(authorize(informer.policy(), alice, listPods).allowed, true, 'the binding, from the watch')

  await endAll(new Error('feed ended'))
  await objects.delete(BINDING_KEY)
  await settle()
  t.equal(authorize(informer.policy(), alice, listPods).allowed, true, 'no watch: the last policy holds')
  clock.advance(999)
  await settle()
  t.equal(authorize(informer.policy(), alice, listPods).allowed, true, 'not re-listed before a second')
  clock.advance(1)
  await settle()
  t.equal(authorize(informer.policy(), alice, listPods).allowed, false, 're-listed: the deletion is seen')

  await objects.create(BINDING_KEY, binding)
  await settle()
  t.equal(authorize(informer.policy(), alice, listPods).allowed, true, 'and the new watch follows changes again')
})

t.test('rbac informer - closed, it stops its watches and its pending relists', async (t) => {
  const objects = new MemoryObjects()
  const { port, endAll } = endableWatches(objects)
  const clock = new VirtualClock(0)
  const informer = await RbacInformer.start(port, defaultPolicy(), { clock, log: silentLogger })
  t.equal(objects.watcherCount, 4, 'one watch per RBAC kind')
  await endAll(new Error('feed ended'))
  await informer.close()
  clock.advance(5_000)
  await settle()
  t.equal(objects.watcherCount, 0, 'no relist after close')
})
