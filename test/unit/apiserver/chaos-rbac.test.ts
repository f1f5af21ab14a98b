/**
 * Who may run chaos (actors/apiserver/authz/default-roles.ts): chaos.actorkube.io is in none of
 * admin/edit/view, as Kubernetes leaves a CRD out of them unless aggregated; cluster-admin and
 * the `chaos-engineer` ClusterRole hold it, in the namespace it is bound in.
 */
import t from 'tap'
import { DEFAULT_CLUSTER_ROLE_BINDINGS, DEFAULT_CLUSTER_ROLES } from '../../../actors/apiserver/authz/default-roles.ts'
import { authorize, defaultPolicy, type RequestAttributes, type UserInfo } from '../../../actors/apiserver/authz/policy.ts'
import { policyWithObjects } from '../../../actors/apiserver/authz/rbac.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'

const RBAC = 'rbac.authorization.k8s.io'
const bindClusterRole = (namespace: string, role: string, userName: string): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { namespace, name: `${userName}-${role}` },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'User', apiGroup: RBAC, name: userName }],
})

const policy = policyWithObjects(defaultPolicy(), {
  roles: [],
  clusterRoles: [...DEFAULT_CLUSTER_ROLES],
  roleBindings: ['admin', 'edit', 'view', 'chaos-engineer'].map((role) => bindClusterRole('team', role, `${role}-user`)),
  clusterRoleBindings: [...DEFAULT_CLUSTER_ROLE_BINDINGS],
})
const who = (name: string, ...groups: string[]): UserInfo => ({ user: name, groups: [...groups, 'system:authenticated'] })
const chaos = (verb: string, resource: string, namespace = 'team', subresource?: string): RequestAttributes =>
  ({ verb, apiGroup: 'chaos.actorkube.io', resource, namespace, ...(subresource ? { subresource } : {}) }) as RequestAttributes

t.test('chaos rbac - only cluster-admin and chaos-engineer create experiments', async (t) => {
  const rows: [string, UserInfo, RequestAttributes, boolean][] = [
    ['admin may not create an experiment', who('admin-user'), chaos('create', 'chaosexperiments'), false],
    ['edit may not create an experiment', who('edit-user'), chaos('create', 'chaosexperiments'), false],
    ['edit may not delete a schedule', who('edit-user'), chaos('delete', 'chaosschedules'), false],
    ['view may not list experiments', who('view-user'), chaos('list', 'chaosexperiments'), false],
    ['chaos-engineer creates experiments', who('chaos-engineer-user'), chaos('create', 'chaosexperiments'), true],
    ['chaos-engineer deletes schedules', who('chaos-engineer-user'), chaos('delete', 'chaosschedules'), true],
    ['chaos-engineer reads the status', who('chaos-engineer-user'), chaos('get', 'chaosexperiments', 'team', 'status'), true],
    ['chaos-engineer may not write the status (the controller does)', who('chaos-engineer-user'), chaos('patch', 'chaosexperiments', 'team', 'status'), false],
    ['chaos-engineer only where bound', who('chaos-engineer-user'), chaos('create', 'chaosexperiments', 'other'), false],
    ['a user with no binding', who('mallory'), chaos('create', 'chaosexperiments'), false],
    ['cluster-admin (system:masters)', who('root', 'system:masters'), chaos('create', 'chaosexperiments', 'other'), true],
  ]
  for (const [name, user, attrs, allowed] of rows) t.equal(authorize(policy, user, attrs).allowed, allowed, name)
})
