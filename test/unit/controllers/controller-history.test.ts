/**
 * The DaemonSet/StatefulSet template history (controller-history.ts): a revision per template
 * version, renumbered as newest when an old template comes back, truncated beyond
 * revisionHistoryLimit except revisions in use; and both controllers keeping it.
 */
import t from 'tap'
import { revisionData, revisionName, syncHistory } from '../../../actors/controllers/controller-history.ts'
import { reconcileDaemonSet } from '../../../actors/controllers/daemonset.ts'
import { reconcileStatefulSet } from '../../../actors/controllers/statefulset.ts'
import type { Action } from '../../../actors/controllers/actions.ts'
import type { ControllerRevision } from '../../../actors/kube/controller-revision.ts'
import type { DaemonSet, StatefulSet } from '../../../actors/kube/apps.ts'

const DS_TYPE = { apiVersion: 'apps/v1', kind: 'DaemonSet' }
const template = { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } }
const owner = (limit?: number) => ({ metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid' }, spec: { template, ...(limit === undefined ? {} : { revisionHistoryLimit: limit }) } })

const revision = (hash: string, number: number, ownerUid = 'ds-uid'): ControllerRevision => ({
  metadata: { name: `agent-${hash}`, namespace: 'default', uid: `uid-${hash}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ownerUid, controller: true }] },
  revision: number,
})

/** The object an action writes (a create's or update's). */
const objectOf = <T>(action: Action | undefined): T => (action as unknown as { object: T }).object

/** Each action as one line: `create agent-h3 #3`, `update agent-h1 #3`, `delete agent-h1`. */
const summary = (actions: readonly Action[]): string[] =>
  actions.map((a) => {
    if (a.type === 'create' || a.type === 'update') {
      const r = a.object as unknown as ControllerRevision
      return `${a.type} ${r.metadata.name} #${r.revision}`
    }
    return `${a.type} ${a.path.split('/').at(-1)}`
  })

type Case = readonly [name: string, hash: string, revisions: readonly ControllerRevision[], inUse: readonly string[], limit: number | undefined, expected: readonly string[]]

const CASES: readonly Case[] = [
  ['first template: revision 1', 'h1', [], [], undefined, ['create agent-h1 #1']],
  ['a new template: the next number', 'h3', [revision('h1', 1), revision('h2', 2)], [], undefined, ['create agent-h3 #3']],
  ['current and newest: nothing to do', 'h2', [revision('h1', 1), revision('h2', 2)], [], undefined, []],
  ['an older template back (undo): renumbered newest', 'h1', [revision('h1', 1), revision('h2', 2)], [], undefined, ['update agent-h1 #3']],
  ['revisions of another owner do not count', 'h1', [revision('h9', 7, 'other')], [], undefined, ['create agent-h1 #1']],
  ['beyond the limit: the oldest go', 'h4', [revision('h1', 1), revision('h2', 2), revision('h3', 3), revision('h4', 4)], [], 1, ['delete agent-h1', 'delete agent-h2']],
  ['revisions in use are kept', 'h4', [revision('h1', 1), revision('h2', 2), revision('h3', 3), revision('h4', 4)], ['agent-h1'], 1, ['delete agent-h2']],
  ['limit 0 keeps only the current', 'h2', [revision('h1', 1), revision('h2', 2)], [], 0, ['delete agent-h1']],
]

for (const [name, hash, revisions, inUse, limit, expected] of CASES) {
  t.test(`history - ${name}`, (t) => {
    t.same(summary(syncHistory({ ownerType: DS_TYPE, owner: owner(limit), hash, revisions, inUse: new Set(inUse) })), expected)
    t.end()
  })
}

t.test('history - a new revision: owned, labelled for the selector, data is the undo patch', (t) => {
  const [create] = syncHistory({ ownerType: DS_TYPE, owner: owner(), hash: 'h1', revisions: [], inUse: new Set() })
  t.equal(create?.type, 'create')
  if (create?.type !== 'create') return t.end()
  t.equal(create.path, '/apis/apps/v1/namespaces/default/controllerrevisions')
  const r = create.object as unknown as ControllerRevision
  t.same(r.metadata.labels, { app: 'agent', 'controller-revision-hash': 'h1' })
  t.same(r.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }])
  t.same(r.data, { spec: { template: { ...template, $patch: 'replace' } } })
  t.equal(revisionName(owner(), 'h1'), 'agent-h1')
  t.end()
})

const daemonSet: DaemonSet = {
  metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 1 },
  spec: { selector: { matchLabels: { app: 'agent' } }, template },
}

t.test('DaemonSet controller - keeps the history when given the revisions, not otherwise', (t) => {
  const withHistory = reconcileDaemonSet({ daemonSet, nodes: [], pods: [], revisions: [] }, 0)
  const created = withHistory.actions.filter((a) => a.type === 'create' && a.path.endsWith('/controllerrevisions'))
  t.equal(created.length, 1)
  t.match(objectOf<ControllerRevision>(created[0]), { revision: 1, data: revisionData(template) })
  t.notOk(reconcileDaemonSet({ daemonSet, nodes: [], pods: [] }, 0).actions.some((a) => a.path.includes('controllerrevisions')))
  t.end()
})

t.test('StatefulSet controller - the revision is named as the pods label it', (t) => {
  const set: StatefulSet = { metadata: { name: 'web', namespace: 'default', uid: 'sts-uid' }, spec: { replicas: 1, selector: { matchLabels: { app: 'agent' } }, serviceName: 'web', template } }
  const actions = reconcileStatefulSet({ statefulSet: set, pods: [], claims: [], revisions: [] }, 0).actions
  const revision = actions.find((a) => a.type === 'create' && a.path.endsWith('/controllerrevisions'))
  const pod = actions.find((a) => a.type === 'create' && a.path.endsWith('/pods'))
  t.ok(revision && pod)
  const revisionObject = objectOf<ControllerRevision>(revision)
  const podLabels = objectOf<{ metadata: { labels: Record<string, string> } }>(pod).metadata.labels
  t.equal(revisionObject.metadata.name, podLabels['controller-revision-hash'])
  t.equal(revisionObject.revision, 1)
  t.end()
})
