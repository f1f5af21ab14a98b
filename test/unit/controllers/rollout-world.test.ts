/**
 * The Deployment and ReplicaSet steps together over a small in-memory API server and a fake
 * kubelet that makes pods ready one tick after they are created: a rollout must finish with
 * the invariants of RollingUpdate holding at every tick.
 */
import t from 'tap'
import { reconcileDeployment } from '../../../actors/controllers/deployment.ts'
import { ownerKeyOf, reconcileReplicaSet } from '../../../actors/controllers/replicaset.ts'
import { type Expectations, NO_EXPECTATIONS, observeCreate } from '../../../actors/controllers/expectations.ts'
import { type Action, type ApiObject, fillEvent } from '../../../actors/controllers/actions.ts'
import type { Deployment, Pod, ReplicaSet } from '../../../actors/kube/objects.ts'
import { T0, at, template } from './fixtures.ts'

class Api {
  objects = new Map<string, ApiObject & { spec?: unknown; status?: unknown }>()
  rv = 0
  seq = 0
  events: string[] = []
  readonly clock: () => number
  constructor(clock: () => number) {
    this.clock = clock
  }

  list<T>(prefix: string): T[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${prefix}/`) && !k.slice(prefix.length + 1).includes('/')).map(([, v]) => v as T)
  }

  apply(actions: readonly Action[], onCreated: (obj: ApiObject) => void = () => {}): void {
    for (const a of actions) {
      switch (a.type) {
        case 'create': {
          const name = a.object.metadata.name ?? `${a.object.metadata.generateName ?? ''}${(++this.seq).toString(36).padStart(5, 'b')}`
          const obj = { ...a.object, metadata: { ...a.object.metadata, name, uid: `u${++this.seq}`, resourceVersion: String(++this.rv), generation: 1, creationTimestamp: at(this.clock()) } }
          this.objects.set(`${a.path}/${name}`, obj)
          onCreated(obj)
          if (a.onSuccess) this.events.push(fillEvent(a.onSuccess, { name }).event.message)
          break
        }
        case 'update':
        case 'updateStatus': {
          const key = a.type === 'updateStatus' ? a.path.replace(/\/status$/, '') : a.path
          const old = this.objects.get(key)
          if (old === undefined || old.metadata.resourceVersion !== a.object.metadata.resourceVersion) throw new Error(`409 on ${a.path}`)
          const obj = a.object as ApiObject & { spec?: unknown; status?: unknown }
          const next =
            a.type === 'updateStatus'
              ? { ...old, status: obj.status }
              : { ...obj, status: old.status, metadata: { ...obj.metadata, generation: (old.metadata.generation ?? 1) + (JSON.stringify(obj.spec) === JSON.stringify(old.spec) ? 0 : 1) } }
          this.objects.set(key, { ...next, metadata: { ...next.metadata, resourceVersion: String(++this.rv) } })
          break
        }
        case 'patch': {
          const old = this.objects.get(a.path)
          if (old === undefined) throw new Error(`404 on ${a.path}`)
          const body = a.body as { metadata?: { annotations?: Record<string, string> } }
          this.objects.set(a.path, { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv), annotations: { ...old.metadata.annotations, ...body.metadata?.annotations } } })
          break
        }
        case 'delete': {
          const old = this.objects.get(a.path)
          if (old !== undefined) {
            if (a.onSuccess) this.events.push(a.onSuccess.event.message)
            this.objects.set(a.path, { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv), deletionTimestamp: at(this.clock()) } })
          }
          break
        }
        case 'event':
          this.events.push(a.event.message)
          break
      }
    }
  }
}

const PODS = '/api/v1/namespaces/default/pods'
const RSS = '/apis/apps/v1/namespaces/default/replicasets'
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments/web'

t.test('Deployment + ReplicaSet - a rolling update over a simulated cluster keeps its invariants and completes', async (t) => {
  let now = T0
  const api = new Api(() => now)
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'dep', resourceVersion: '1', generation: 1 },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }, 'nginx:1'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
  }
  api.objects.set(DEPLOY, d)
  let expectations: Expectations = NO_EXPECTATIONS

  const tick = (): void => {
    now += 1000
    // kubelet: terminating pods go, pending pods start and become ready.
    for (const [k, p] of api.objects) {
      if (!k.startsWith(`${PODS}/`)) continue
      const pod = p as Pod
      if (pod.metadata.deletionTimestamp) api.objects.delete(k)
      else if (pod.status?.phase !== 'Running') {
        api.objects.set(k, { ...pod, spec: { ...pod.spec, nodeName: 'n1' }, status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at(now) }] } })
      }
    }
    const deployment = api.objects.get(DEPLOY) as Deployment
    api.apply(reconcileDeployment({ deployment, replicaSets: api.list<ReplicaSet>(RSS), pods: api.list<Pod>(PODS) }, now).actions)
    for (const rs of api.list<ReplicaSet>(RSS)) {
      const r = reconcileReplicaSet({ replicaSet: rs, pods: api.list<Pod>(PODS), expectations }, now)
      expectations = r.expectations
      api.apply(r.actions, (obj) => {
        const key = ownerKeyOf(obj as Pod)
        if (key !== undefined) expectations = observeCreate(expectations, key)
      })
    }
  }
  const readyPods = (): Pod[] => api.list<Pod>(PODS).filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
  const status = (): Deployment['status'] => (api.objects.get(DEPLOY) as Deployment).status

  for (let i = 0; i < 8; i++) tick()
  t.equal(readyPods().length, 3, 'first rollout done')
  t.equal(status()?.availableReplicas, 3)

  const current = api.objects.get(DEPLOY) as Deployment
  api.objects.set(DEPLOY, { ...current, metadata: { ...current.metadata, generation: 2 }, spec: { ...current.spec, template: template({ app: 'web' }, 'nginx:2') } })
  let ticks = 0
  for (; ticks < 40; ticks++) {
    tick()
    const live = api.list<Pod>(PODS).filter((p) => !p.metadata.deletionTimestamp)
    t.ok(readyPods().length >= 3, `tick ${ticks}: never below replicas - maxUnavailable ready pods`)
    t.ok(live.length <= 4, `tick ${ticks}: never above replicas + maxSurge pods`)
    const s = status()
    if (s?.observedGeneration === 2 && s.updatedReplicas === 3 && s.replicas === 3 && s.availableReplicas === 3 && s.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable')) break
  }
  t.ok(ticks < 40, `rollout complete after ${ticks + 1} ticks`)
  const images = api.list<Pod>(PODS).map((p) => p.spec.containers[0]?.image)
  t.same(images, ['nginx:2', 'nginx:2', 'nginx:2'])
  const rss = api.list<ReplicaSet>(RSS)
  t.same(rss.map((rs) => [rs.spec.replicas, rs.metadata.annotations?.['deployment.kubernetes.io/revision']]), [
    [0, '1'],
    [3, '2'],
  ])
  t.ok(api.events.some((e) => /^Created pod: web-\w+-\w+$/.test(e)), 'SuccessfulCreate events carry the pod names')
  t.ok(api.events.some((e) => /^Scaled down replica set web-\w+ to 0$/.test(e)))
})
