/**
 * The user-facing ClusterRoles kube-apiserver creates at startup when absent
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): `cluster-admin`, `admin`, `edit` and `view`
 * (plus our `chaos-engineer`),
 * and the ClusterRoleBinding `cluster-admin` for group system:masters. As in Kubernetes,
 * admin/edit/view are aggregated (`aggregationRule`) from the ClusterRoles labelled
 * `rbac.authorization.k8s.io/aggregate-to-admin|edit|view: "true"`: `system:aggregate-to-*` hold
 * the pieces, view is labelled aggregate-to-edit and edit aggregate-to-admin, so a user's role
 * labelled aggregate-to-view extends all three (the ClusterRole aggregation controller,
 * actors/controllers/clusterrole-aggregation.ts). Their rules are written out aggregated too, so
 * they hold before the controller manager runs. The resources are those Kubernetes lists, served
 * here or not.
 */
import type { KubeObject } from '../ports.ts'
import { MASTERS_GROUP } from './policy.ts'
import { RBAC_GROUP } from './rbac.ts'
import { aggregatedRules, type ClusterRole } from '../../controllers/clusterrole-aggregation.ts'

const READ = ['get', 'list', 'watch']
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update']

type Rule =
  | { readonly apiGroups: readonly string[]; readonly resources: readonly string[]; readonly verbs: readonly string[] }
  | { readonly nonResourceURLs: readonly string[]; readonly verbs: readonly string[] }

const rule = (verbs: readonly string[], apiGroup: string, resources: readonly string[]): Rule => ({ apiGroups: [apiGroup], resources, verbs })

/** What `view` reads (no Secrets, no RBAC objects: reading them could escalate). */
const VIEW_RULES: readonly Rule[] = [
  rule(READ, '', [
    'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'pods/log', 'pods/status',
    'replicationcontrollers', 'replicationcontrollers/scale', 'replicationcontrollers/status', 'serviceaccounts', 'services', 'services/status',
    'bindings', 'events', 'limitranges', 'resourcequotas', 'resourcequotas/status', 'namespaces', 'namespaces/status',
  ]),
  rule(READ, 'apps', [
    'controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets',
    'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status',
  ]),
  rule(READ, 'autoscaling', ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, 'batch', ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(READ, 'policy', ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, 'networking.k8s.io', ['ingresses', 'ingresses/status', 'networkpolicies']),
  rule(READ, 'discovery.k8s.io', ['endpointslices']),
]

/** What `edit` adds: writes to the workloads and their config (Secrets included), acting as service accounts. */
const EDIT_RULES: readonly Rule[] = [
  rule(['impersonate'], '', ['serviceaccounts']),
  rule([...READ, ...WRITE], '', ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  rule(['create'], '', ['pods/eviction']),
  rule([...READ, ...WRITE], '', ['configmaps', 'endpoints', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  rule(['create'], '', ['serviceaccounts/token']),
  rule([...READ, ...WRITE], 'apps', ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  rule([...READ, ...WRITE], 'autoscaling', ['horizontalpodautoscalers']),
  rule([...READ, ...WRITE], 'batch', ['cronjobs', 'jobs']),
  rule([...READ, ...WRITE], 'policy', ['poddisruptionbudgets']),
  rule([...READ, ...WRITE], 'networking.k8s.io', ['ingresses', 'networkpolicies']),
  rule([...READ, ...WRITE], 'coordination.k8s.io', ['leases']),
]

/** What `admin` adds: the namespace's own RBAC (bounded by escalation checks in Kubernetes; not here). */
const ADMIN_RULES: readonly Rule[] = [
  rule([...READ, ...WRITE], RBAC_GROUP, ['rolebindings', 'roles']),
  rule(['create'], 'authorization.k8s.io', ['localsubjectaccessreviews']),
]

/**
 * `chaos-engineer`: chaos experiments and schedules. They kill hosts, cut the network and stop
 * kubelets cluster-wide whatever namespace they live in, so, as Kubernetes leaves a CRD out of
 * admin/edit/view unless it asks to be aggregated, and as Chaos Mesh ships its own manager role,
 * no user-facing role holds them: only cluster-admin and whoever is bound to this one.
 */
const CHAOS_ENGINEER_RULES: readonly Rule[] = [
  rule([...READ, ...WRITE], 'chaos.actorkube.io', ['chaosexperiments', 'chaosschedules']),
  rule(READ, 'chaos.actorkube.io', ['chaosexperiments/status', 'chaosschedules/status']),
  rule(READ, '', ['events']),
]

const BOOTSTRAP_META = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }

const clusterRole = (name: string, rules: readonly Rule[], labels: Readonly<Record<string, string>> = {}): KubeObject => ({
  apiVersion: `${RBAC_GROUP}/v1`,
  kind: 'ClusterRole',
  metadata: { name, ...BOOTSTRAP_META, labels: { ...BOOTSTRAP_META.labels, ...labels } },
  rules,
})

const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view'): string => `${RBAC_GROUP}/aggregate-to-${role}`

/** The pieces, as Kubernetes' `system:aggregate-to-admin|edit|view`. */
const AGGREGATE_PIECES: readonly KubeObject[] = [
  clusterRole('system:aggregate-to-admin', ADMIN_RULES, { [AGGREGATE_TO('admin')]: 'true' }),
  clusterRole('system:aggregate-to-edit', EDIT_RULES, { [AGGREGATE_TO('edit')]: 'true' }),
  clusterRole('system:aggregate-to-view', VIEW_RULES, { [AGGREGATE_TO('view')]: 'true' }),
]

/** `name` aggregating the roles labelled aggregate-to-`name`, its rules aggregated from `known`. */
function aggregatingRole(name: 'admin' | 'edit' | 'view', labels: Readonly<Record<string, string>>, known: readonly KubeObject[]): KubeObject {
  const role = { ...clusterRole(name, [], labels), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(name)]: 'true' } }] } }
  return { ...role, rules: aggregatedRules(role as ClusterRole, known as readonly ClusterRole[]) }
}

// view before edit before admin: each one's rules include the one before it.
const VIEW = aggregatingRole('view', { [AGGREGATE_TO('edit')]: 'true' }, AGGREGATE_PIECES)
const EDIT = aggregatingRole('edit', { [AGGREGATE_TO('admin')]: 'true' }, [...AGGREGATE_PIECES, VIEW])
const ADMIN = aggregatingRole('admin', {}, [...AGGREGATE_PIECES, VIEW, EDIT])

export const DEFAULT_CLUSTER_ROLES: readonly KubeObject[] = [
  clusterRole('cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]),
  ...AGGREGATE_PIECES,
  ADMIN,
  EDIT,
  VIEW,
  clusterRole('chaos-engineer', CHAOS_ENGINEER_RULES),
]

export const DEFAULT_CLUSTER_ROLE_BINDINGS: readonly KubeObject[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'cluster-admin', ...BOOTSTRAP_META },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: RBAC_GROUP, kind: 'Group', name: MASTERS_GROUP }],
  },
]

/** Where each default object is created (POST paths), in order: roles before the binding naming them. */
export const DEFAULT_RBAC_OBJECTS: readonly { readonly path: string; readonly object: KubeObject }[] = [
  ...DEFAULT_CLUSTER_ROLES.map((object) => ({ path: `/apis/${RBAC_GROUP}/v1/clusterroles`, object })),
  ...DEFAULT_CLUSTER_ROLE_BINDINGS.map((object) => ({ path: `/apis/${RBAC_GROUP}/v1/clusterrolebindings`, object })),
]
