import t from 'tap'
import {
  REVISION_ANNOTATION,
  type DeploymentStatusWithCollisions,
  reconcileDeployment,
  resolveFenceposts,
  scaledValue,
} from '../../../actors/controllers/deployment.ts'
import { computeHash, fnv32a, safeEncodeString } from '../../../actors/controllers/pod-template-hash.ts'
import type { Action, CreateAction, UpdateAction, UpdateStatusAction } from '../../../actors/controllers/actions.ts'
import type { Deployment, Pod, ReplicaSet } from '../../../actors/kube/objects.ts'
import { T0, at, pod, template } from './fixtures.ts'

const DEPLOY_UID = 'uid-dep'

function deployment(o: { replicas?: number; image?: string; strategy?: Deployment['spec']['strategy']; generation?: number; paused?: boolean; revisionHistoryLimit?: number; status?: DeploymentStatusWithCollisions; progressDeadlineSeconds?: number } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: DEPLOY_UID, resourceVersion: '5', generation: o.generation ?? 1, creationTimestamp: at(T0) },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      template: template({ app: 'web' }, o.image ?? 'nginx:1'),
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.paused ? { paused: true } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  }
}

/** A tiny API server + ReplicaSet controller: applies the Deployment controller's writes. */
class World {
  rss: ReplicaSet[] = []
  uid = 0
  rv = 100
  events: string[] = []
  d: Deployment
  now: number
  constructor(d: Deployment, now = T0) {
    this.d = d
    this.now = now
  }

  apply(actions: readonly Action[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'create': {
          const rs = a.object as ReplicaSet
          this.rss.push({ ...rs, metadata: { ...rs.metadata, uid: `rs-${++this.uid}`, resourceVersion: String(++this.rv), generation: 1, creationTimestamp: at(this.now) }, status: { replicas: 0 } })
          break
        }
        case 'update': {
          const rs = a.object as ReplicaSet
          const old = this.rss.find((r) => r.metadata.name === rs.metadata.name)
          if (old === undefined || old.metadata.resourceVersion !== rs.metadata.resourceVersion) throw new Error(`conflict on ${a.path}`)
          this.rss = this.rss.map((r) => (r === old ? { ...rs, metadata: { ...rs.metadata, resourceVersion: String(++this.rv), generation: (old.metadata.generation ?? 1) + 1 }, status: old.status } : r))
          break
        }
        case 'delete':
          this.rss = this.rss.filter((r) => a.path !== `/apis/apps/v1/namespaces/default/replicasets/${r.metadata.name}`)
          break
        case 'updateStatus': {
          const d = a.object as Deployment
          if (d.metadata.resourceVersion !== this.d.metadata.resourceVersion) throw new Error('conflict on deployment status')
          this.d = { ...this.d, metadata: { ...this.d.metadata, resourceVersion: String(++this.rv) }, status: d.status }
          break
        }
        case 'patch': {
          const body = a.body as { metadata: { annotations: Record<string, string> } }
          this.d = { ...this.d, metadata: { ...this.d.metadata, resourceVersion: String(++this.rv), annotations: { ...this.d.metadata.annotations, ...body.metadata.annotations } } }
          break
        }
        case 'event':
          this.events.push(a.event.message)
          break
      }
    }
  }

  reconcile(pods: readonly Pod[] = []): Action[] {
    const r = reconcileDeployment({ deployment: this.d, replicaSets: this.rss, pods }, this.now)
    this.apply(r.actions)
    return r.actions
  }

  /** The replica sets' pods are created (not ready yet) and scaled-down ones are gone. */
  podsCreated(): void {
    this.rss = this.rss.map((rs) => {
      const n = rs.spec.replicas ?? 1
      const avail = Math.min(rs.status?.availableReplicas ?? 0, n)
      return { ...rs, status: { replicas: n, readyReplicas: avail, availableReplicas: avail, fullyLabeledReplicas: n, observedGeneration: rs.metadata.generation } }
    })
  }

  /** Every pod is ready and available. */
  podsReady(): void {
    this.rss = this.rss.map((rs) => {
      const n = rs.spec.replicas ?? 1
      return { ...rs, status: { replicas: n, readyReplicas: n, availableReplicas: n, fullyLabeledReplicas: n, observedGeneration: rs.metadata.generation } }
    })
  }

  sizes(): string {
    return this.rss.map((rs) => `${rs.metadata.name}=${rs.spec.replicas}`).join(' ')
  }

  progressing(): string | undefined {
    return this.d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason
  }
}

t.test('Deployment - pod-template-hash is FNV-32a rendered with the safe alphabet', async (t) => {
  t.equal(fnv32a(new TextEncoder().encode('')), 0x811c9dc5)
  t.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c, 'FNV-1a 32 test vector')
  t.equal(safeEncodeString('0123456789'), '456789bcdf')
  const h = computeHash(template({ app: 'web' }))
  t.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/)
  t.equal(computeHash(template({ app: 'web' })), h, 'stable')
  t.equal(computeHash({ spec: { b: 1, a: 2 } }), computeHash({ spec: { a: 2, b: 1 } }), 'key order does not matter')
  t.not(computeHash(template({ app: 'web' }), 1), h, 'the collision count changes it')
  t.not(computeHash(template({ app: 'web' }, 'nginx:2')), h)
})

t.test('Deployment - maxSurge rounds up, maxUnavailable down, 25% by default', async (t) => {
  const cases: [number, number | string | undefined, number | string | undefined, [number, number]][] = [
    [3, undefined, undefined, [1, 0]],
    [10, undefined, undefined, [3, 2]],
    [4, '50%', '50%', [2, 2]],
    [3, 0, 0, [0, 1]],
    [5, 2, '1', [2, 1]],
  ]
  for (const [replicas, surge, unavailable, want] of cases) {
    const d = deployment({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { ...(surge !== undefined ? { maxSurge: surge } : {}), ...(unavailable !== undefined ? { maxUnavailable: unavailable } : {}) } } })
    t.same(resolveFenceposts(d), want, `${replicas} ${String(surge)} ${String(unavailable)}`)
  }
  t.throws(() => scaledValue('x%', '25%', 10, true), RangeError)
})

t.test('Deployment - creates the first replica set with all replicas, revision 1', async (t) => {
  const w = new World(deployment())
  const actions = w.reconcile()
  const hash = computeHash(template({ app: 'web' }))
  const name = `web-${hash}`
  t.same(actions.map((a) => `${a.type} ${a.path}`), [
    'create /apis/apps/v1/namespaces/default/replicasets',
    'updateStatus /apis/apps/v1/namespaces/default/deployments/web/status',
    'patch /apis/apps/v1/namespaces/default/deployments/web',
    'event /api/v1/namespaces/default/events',
  ])
  const rs = (actions[0] as CreateAction).object as ReplicaSet
  t.equal(rs.metadata.name, name)
  t.same(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash })
  t.same(rs.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash })
  t.same(rs.spec.template.metadata?.labels, { app: 'web', 'pod-template-hash': hash })
  t.equal(rs.spec.replicas, 3)
  t.same(rs.metadata.annotations, { [REVISION_ANNOTATION]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' })
  t.same(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: DEPLOY_UID, controller: true, blockOwnerDeletion: true }])
  t.same(w.events, [`Scaled up replica set ${name} to 3`])
  t.equal(w.d.metadata.annotations?.[REVISION_ANNOTATION], '1')
  t.equal(w.progressing(), 'NewReplicaSetCreated')
  const progressing = w.d.status?.conditions?.find((c) => c.type === 'Progressing')
  t.equal(progressing?.message, `Created new replica set "${name}"`)
  const st = (actions[1] as UpdateStatusAction).object as Deployment
  t.same(
    { ...st.status, conditions: undefined },
    { observedGeneration: 1, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 3, conditions: undefined },
  )

  // Pods come up; the rollout completes (what `kubectl rollout status` waits for).
  w.podsReady()
  w.now += 5000
  w.reconcile()
  t.same(
    { ...w.d.status, conditions: undefined },
    { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, conditions: undefined },
  )
  t.equal(w.progressing(), 'NewReplicaSetAvailable')
  t.equal(w.d.status?.conditions?.find((c) => c.type === 'Progressing')?.message, `ReplicaSet "${name}" has successfully progressed.`)
  t.equal(w.d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True')
  t.same(w.reconcile(), [], 'nothing more to do')
})

t.test('Deployment - rolling update 3 replicas, maxSurge 1 maxUnavailable 0, step by step to completion', async (t) => {
  const w = new World(deployment())
  w.reconcile()
  w.podsReady()
  w.reconcile()
  const oldName = w.rss[0]?.metadata.name ?? ''
  w.events = []

  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 2 }, spec: { ...w.d.spec, template: template({ app: 'web' }, 'nginx:2') } }
  const newName = `web-${computeHash(template({ app: 'web' }, 'nginx:2'))}`
  const timeline: string[] = []
  for (let i = 0; i < 10; i++) {
    w.now += 1000
    w.reconcile()
    timeline.push(`${w.sizes()} | ${w.progressing()}`)
    if (i % 2 === 0) w.podsCreated()
    else w.podsReady()
  }
  t.same(w.events, [
    `Scaled up replica set ${newName} to 1`,
    `Scaled down replica set ${oldName} to 2`,
    `Scaled up replica set ${newName} to 2`,
    `Scaled down replica set ${oldName} to 1`,
    `Scaled up replica set ${newName} to 3`,
    `Scaled down replica set ${oldName} to 0`,
  ])
  t.same(timeline, [
    `${oldName}=3 ${newName}=1 | NewReplicaSetCreated`,
    `${oldName}=3 ${newName}=1 | ReplicaSetUpdated`, // the new pod is not available yet: nothing to scale down
    `${oldName}=2 ${newName}=1 | ReplicaSetUpdated`,
    `${oldName}=2 ${newName}=2 | ReplicaSetUpdated`,
    `${oldName}=1 ${newName}=2 | ReplicaSetUpdated`,
    `${oldName}=1 ${newName}=3 | ReplicaSetUpdated`,
    `${oldName}=0 ${newName}=3 | ReplicaSetUpdated`,
    `${oldName}=0 ${newName}=3 | NewReplicaSetAvailable`,
    `${oldName}=0 ${newName}=3 | NewReplicaSetAvailable`,
    `${oldName}=0 ${newName}=3 | NewReplicaSetAvailable`,
  ])
  t.equal(w.rss.find((rs) => rs.metadata.name === newName)?.metadata.annotations?.[REVISION_ANNOTATION], '2')
  t.equal(w.d.metadata.annotations?.[REVISION_ANNOTATION], '2')
  t.same(
    { ...w.d.status, conditions: undefined },
    { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, conditions: undefined },
  )
  // Never fewer than 3 available, never more than 4 pods.
  for (const line of timeline) {
    const total = line.split(' | ')[0]?.split(' ').reduce((n, kv) => n + Number(kv.split('=')[1]), 0) ?? 0
    t.ok(total <= 4, `at most replicas + maxSurge: ${line}`)
  }
})

t.test('Deployment - Recreate scales the old replica set to 0, waits for its pods, then creates the new one', async (t) => {
  const w = new World(deployment({ strategy: { type: 'Recreate' } }))
  w.reconcile()
  w.podsReady()
  w.reconcile()
  const old = w.rss[0] as ReplicaSet
  w.events = []
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 2 }, spec: { ...w.d.spec, template: template({ app: 'web' }, 'nginx:2') } }
  w.now += 1000
  w.reconcile()
  t.same(w.events, [`Scaled down replica set ${old.metadata.name} to 0`])
  t.equal(w.rss.length, 1, 'no new replica set yet')
  w.podsCreated()
  const lingering = pod({ name: 'old-pod', labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: old.metadata.name ?? '', uid: old.metadata.uid ?? '' }, deleting: true })
  w.now += 1000
  w.reconcile([lingering])
  t.equal(w.rss.length, 1, 'waits while an old pod is still terminating')
  w.reconcile([])
  t.equal(w.rss.length, 2)
  t.same(w.events, [`Scaled down replica set ${old.metadata.name} to 0`, `Scaled up replica set ${w.rss[1]?.metadata.name} to 3`])
})

t.test('Deployment - scaling a complete deployment resizes the one active replica set', async (t) => {
  const w = new World(deployment())
  w.reconcile()
  w.podsReady()
  w.reconcile()
  w.events = []
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 2 }, spec: { ...w.d.spec, replicas: 5 } }
  const actions = w.reconcile()
  t.same(w.events, [`Scaled up replica set ${w.rss[0]?.metadata.name} to 5`])
  const update = actions.find((a): a is UpdateAction => a.type === 'update')
  t.same((update?.object as ReplicaSet).metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5')
})

t.test('Deployment - scaling mid-rollout is proportional', async (t) => {
  const w = new World(deployment({ replicas: 10 }))
  w.reconcile()
  w.podsReady()
  w.reconcile()
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 2 }, spec: { ...w.d.spec, template: template({ app: 'web' }, 'nginx:2') } }
  w.reconcile()
  w.podsCreated()
  // maxSurge 3, maxUnavailable 2: the new replica set starts at 3 and the old one drops to 8 at once.
  t.equal(w.sizes().split(' ').map((s) => s.split('=')[1]).join(','), '8,3')
  w.events = []
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 3 }, spec: { ...w.d.spec, replicas: 20 } }
  w.reconcile()
  // Allowed 20 + 5 = 25, +14: old round(8*25/13)-8 = 7, new round(3*25/13)-3 = 3, the 4 left to the largest.
  t.equal(w.sizes().split(' ').map((s) => s.split('=')[1]).join(','), '19,6')
})

t.test('Deployment - paused: no rollout, Progressing Unknown DeploymentPaused', async (t) => {
  const w = new World(deployment())
  w.reconcile()
  w.podsReady()
  w.reconcile()
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 2 }, spec: { ...w.d.spec, paused: true, template: template({ app: 'web' }, 'nginx:2') } }
  w.events = []
  w.reconcile()
  t.equal(w.rss.length, 1, 'no new replica set while paused')
  const c = w.d.status?.conditions?.find((c) => c.type === 'Progressing')
  t.same([c?.status, c?.reason, c?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused'])
  w.d = { ...w.d, spec: { ...w.d.spec, paused: false } }
  w.reconcile()
  t.equal(w.rss.length, 2, 'resumed: the rollout starts')
})

t.test('Deployment - revisionHistoryLimit deletes the oldest zero-replica replica sets', async (t) => {
  const w = new World(deployment({ revisionHistoryLimit: 1 }))
  for (const image of ['nginx:1', 'nginx:2', 'nginx:3']) {
    w.d = { ...w.d, spec: { ...w.d.spec, template: template({ app: 'web' }, image) } }
    for (let i = 0; i < 8; i++) {
      w.now += 1000
      w.reconcile()
      w.podsReady()
    }
  }
  t.same(
    w.rss.map((rs) => [rs.metadata.annotations?.[REVISION_ANNOTATION], rs.spec.replicas]),
    [
      ['2', 0],
      ['3', 3],
    ],
  )
})

t.test('Deployment - ProgressDeadlineExceeded when nothing moves for progressDeadlineSeconds', async (t) => {
  const w = new World(deployment({ progressDeadlineSeconds: 30 }))
  const first = reconcileDeployment({ deployment: w.d, replicaSets: w.rss, pods: [] }, w.now)
  w.apply(first.actions)
  t.equal(first.requeueAfterMs, 31_000)
  w.podsCreated() // pods never become ready
  w.now += 10_000
  w.reconcile()
  t.equal(w.progressing(), 'ReplicaSetUpdated')
  w.now += 31_000
  w.reconcile()
  const c = w.d.status?.conditions?.find((c) => c.type === 'Progressing')
  t.same([c?.status, c?.reason, c?.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${w.rss[0]?.metadata.name}" has timed out progressing.`])
})

t.test('Deployment - adopts an orphan replica set with the same template instead of creating one', async (t) => {
  const hash = computeHash(template({ app: 'web' }))
  const orphan: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `web-${hash}`, namespace: 'default', uid: 'rs-o', resourceVersion: '3', labels: { app: 'web', 'pod-template-hash': hash }, annotations: { [REVISION_ANNOTATION]: '1' }, creationTimestamp: at(T0) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: { ...template({ app: 'web' }), metadata: { labels: { app: 'web', 'pod-template-hash': hash } } } },
    status: { replicas: 3, availableReplicas: 3, readyReplicas: 3 },
  }
  const r = reconcileDeployment({ deployment: deployment(), replicaSets: [orphan], pods: [] }, T0)
  t.same(r.actions.map((a) => `${a.type} ${a.path}`), [`patch /apis/apps/v1/namespaces/default/replicasets/web-${hash}`], 'adopt first, nothing else in that batch')
  t.equal(r.requeueAfterMs, 0)
  const adopted = { ...orphan, metadata: { ...orphan.metadata, resourceVersion: '4', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: DEPLOY_UID, controller: true, blockOwnerDeletion: true }] } }
  const next = reconcileDeployment({ deployment: deployment(), replicaSets: [adopted], pods: [] }, T0)
  t.notOk(next.actions.some((a) => a.type === 'create'), 'the adopted replica set is the new one')
})

t.test('Deployment - a taken name with another template is a hash collision: collisionCount goes up', async (t) => {
  const hash = computeHash(template({ app: 'web' }))
  const other: ReplicaSet = {
    metadata: { name: `web-${hash}`, namespace: 'default', uid: 'x', labels: { other: 'yes' } },
    spec: { replicas: 1, selector: { matchLabels: { other: 'yes' } }, template: template({ other: 'yes' }) },
  }
  const r = reconcileDeployment({ deployment: deployment(), replicaSets: [other], pods: [] }, T0)
  t.same(r.actions.map((a) => a.type), ['updateStatus'])
  t.equal(((r.actions[0] as UpdateStatusAction).object as Deployment & { status: DeploymentStatusWithCollisions }).status.collisionCount, 1)
})

t.test('Deployment - scaled mid-rollout to exactly the pods it has: the annotations follow and the rollout goes on (sim seed 2100)', async (t) => {
  // 4 replicas mid-rollout (old 3, new 1, sized for 4), then scaled to 3: 3 + maxSurge 1 = 4 pods
  // allowed, 4 there, nothing to add. The replica sets' desired-replicas must still become 3, or
  // every later sync sees a scaling event, scales nothing and never rolls on.
  const w = new World(deployment({ replicas: 4 }))
  w.reconcile()
  w.podsReady()
  w.reconcile()
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 2 }, spec: { ...w.d.spec, template: template({ app: 'web' }, 'nginx:2') } }
  const newName = `web-${computeHash(template({ app: 'web' }, 'nginx:2'))}`
  w.reconcile()
  w.podsCreated()
  t.equal(w.sizes().split(' ').map((s) => s.split('=')[1]).join(','), '3,1', 'mid-rollout: old 3, new 1')
  w.d = { ...w.d, metadata: { ...w.d.metadata, generation: 3 }, spec: { ...w.d.spec, replicas: 3 } }
  for (let i = 0; i < 8; i++) {
    w.now += 1000
    w.reconcile()
    w.podsReady()
  }
  t.equal(w.rss.find((rs) => rs.metadata.name === newName)?.spec.replicas, 3, 'the new replica set reaches 3')
  t.equal(w.rss.filter((rs) => rs.metadata.name !== newName).reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0), 0, 'the old one reaches 0')
  t.ok(w.rss.every((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === '3'), 'every replica set is sized for 3')
})
