import t from 'tap'
import { aggregatedRules, reconcileClusterRoleAggregation, type ClusterRole } from '../../../actors/controllers/clusterrole-aggregation.ts'
import { DEFAULT_CLUSTER_ROLES } from '../../../actors/apiserver/authz/default-roles.ts'
import type { UpdateAction } from '../../../actors/controllers/actions.ts'

const rule = (resource: string, verbs = ['get']) => ({ apiGroups: ['example.com'], resources: [resource], verbs })
const role = (name: string, labels: Record<string, string>, rules: unknown[], selectors?: Record<string, string>[]): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels, resourceVersion: '4' },
  rules,
  ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) } } : {}),
})

t.test('aggregation: the union of the matching roles, by name, each rule once; own rules replaced', async (t) => {
  const monitoring = role('monitoring', {}, [rule('stale')], [{ 'rbac.example.com/aggregate-to-monitoring': 'true' }, { team: 'ops' }])
  const roles = [
    monitoring,
    role('zeta', { 'rbac.example.com/aggregate-to-monitoring': 'true' }, [rule('zetas'), rule('shared')]),
    role('alpha', { 'rbac.example.com/aggregate-to-monitoring': 'true' }, [rule('alphas'), rule('shared')]),
    role('ops', { team: 'ops' }, [rule('alphas'), rule('pagers')]),
    role('unrelated', { team: 'dev' }, [rule('secrets')]),
  ]
  t.same(aggregatedRules(monitoring, roles), [rule('alphas'), rule('shared'), rule('zetas'), rule('pagers')])
  const update = reconcileClusterRoleAggregation(monitoring, roles).actions[0] as UpdateAction
  t.equal(update.type, 'update')
  t.equal(update.path, '/apis/rbac.authorization.k8s.io/v1/clusterroles/monitoring')
  t.same((update.object as ClusterRole).rules, [rule('alphas'), rule('shared'), rule('zetas'), rule('pagers')])
  t.equal(update.object.metadata.resourceVersion, '4', 'the update is conditional on the version read')
  const settled = { ...monitoring, rules: (update.object as ClusterRole).rules }
  t.same(reconcileClusterRoleAggregation(settled, roles.map((r) => (r === monitoring ? settled : r))).actions, [], 'in step: nothing to do')
  t.same(reconcileClusterRoleAggregation(roles[1]!, roles).actions, [], 'a role without an aggregation rule is left alone')
  const selfMatching = role('self', { team: 'ops' }, [], [{ team: 'ops' }])
  t.same(aggregatedRules(selfMatching, [selfMatching, roles[3]!]), [rule('alphas'), rule('pagers')], 'a role never aggregates itself')
})

t.test('aggregation: the bootstrap view/edit/admin are aggregated as Kubernetes, and a labelled role extends all three', async (t) => {
  const byName = (name: string, roles: readonly ClusterRole[]) => roles.find((r) => r.metadata.name === name)!
  const bootstrap = DEFAULT_CLUSTER_ROLES as unknown as ClusterRole[]
  for (const name of ['view', 'edit', 'admin']) {
    t.same(reconcileClusterRoleAggregation(byName(name, bootstrap), bootstrap).actions, [], `${name} is written out already aggregated`)
  }
  t.match(byName('view', bootstrap).metadata.labels, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' })
  t.match(byName('edit', bootstrap).metadata.labels, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' })
  const crd = role('widgets-view', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [rule('widgets', ['get', 'list', 'watch'])])
  // Run the controller to a fixed point, as the manager does (each update re-marks every aggregated role).
  let roles: ClusterRole[] = [...bootstrap, crd]
  for (let pass = 0; pass < 4; pass++) {
    roles = roles.map((r) => {
      const update = reconcileClusterRoleAggregation(r, roles).actions[0] as UpdateAction | undefined
      return update === undefined ? r : (update.object as ClusterRole)
    })
  }
  for (const name of ['view', 'edit', 'admin']) t.ok(byName(name, roles).rules?.some((r) => JSON.stringify(r) === JSON.stringify(crd.rules![0])), `${name} now reads widgets`)
  t.notOk(byName('cluster-admin', roles).aggregationRule, 'cluster-admin is not aggregated')
})
