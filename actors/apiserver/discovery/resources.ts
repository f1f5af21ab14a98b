/**
 * The one table of resources this API server serves, in Kubernetes' discovery terms
 * (metav1.APIResource): plural name, singular name, kind, scope, verbs, short names,
 * categories and subresources. Discovery, OpenAPI and routing read it; nothing else
 * should list resources by hand.
 */

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch'

export interface SubresourceSpec {
  /** `status`, `scale`, `log`, ... (listed in discovery as `pods/status`). */
  readonly name: string
  readonly kind: string
  /** Set when the subresource's kind lives in another group/version (Scale is autoscaling/v1). */
  readonly group?: string
  readonly version?: string
  readonly verbs: readonly Verb[]
}

export interface ResourceSpec {
  /** '' for the core (legacy) group. */
  readonly group: string
  readonly version: string
  /** Plural, lower case: `pods`. */
  readonly name: string
  readonly singularName: string
  readonly kind: string
  /** The List kind: `PodList`. */
  readonly listKind: string
  readonly namespaced: boolean
  readonly verbs: readonly Verb[]
  readonly shortNames: readonly string[]
  readonly categories: readonly string[]
  readonly subresources: readonly SubresourceSpec[]
}

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
const STATUS: SubresourceSpec = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] }
const status = (kind: string): SubresourceSpec => ({ ...STATUS, kind })
const scale: SubresourceSpec = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }

type Entry = Omit<ResourceSpec, 'listKind' | 'verbs' | 'shortNames' | 'categories' | 'subresources'> &
  Partial<Pick<ResourceSpec, 'verbs' | 'shortNames' | 'categories' | 'subresources'>>

const entry = (e: Entry): ResourceSpec => ({
  verbs: ALL_VERBS,
  shortNames: [],
  categories: [],
  subresources: [],
  listKind: `${e.kind}List`,
  ...e,
})

/** rbac.authorization.k8s.io: roles and their bindings, enforced by the authorizer (authz/rbac.ts). */
const RBAC_RESOURCES: readonly Entry[] = [
  { group: 'rbac.authorization.k8s.io', version: 'v1', name: 'clusterrolebindings', singularName: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', name: 'clusterroles', singularName: 'clusterrole', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', name: 'rolebindings', singularName: 'rolebinding', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', name: 'roles', singularName: 'role', kind: 'Role', namespaced: true },
]

/** authentication.k8s.io and authorization.k8s.io: questions about the requester, answered and not stored (authz/reviews.ts). */
const AUTHORIZATION_RESOURCES: readonly Entry[] = [
  { group: 'authentication.k8s.io', version: 'v1', name: 'selfsubjectreviews', singularName: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', name: 'subjectaccessreviews', singularName: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false, verbs: ['create'] },
]

/** chaos.actorkube.io (issue 14): experiments and their schedules, in the `chaos` category. */
const CHAOS_RESOURCES: readonly Entry[] = [
  { group: 'chaos.actorkube.io', version: 'v1alpha1', name: 'chaosexperiments', singularName: 'chaosexperiment', kind: 'ChaosExperiment', namespaced: true, shortNames: ['cex'], categories: ['chaos'], subresources: [status('ChaosExperiment')] },
  { group: 'chaos.actorkube.io', version: 'v1alpha1', name: 'chaosschedules', singularName: 'chaosschedule', kind: 'ChaosSchedule', namespaced: true, shortNames: ['csch'], categories: ['chaos'], subresources: [status('ChaosSchedule')] },
]

/** Every served resource, grouped by group/version in discovery order. */
export const RESOURCES: readonly ResourceSpec[] = [
  entry({ group: '', version: 'v1', name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  entry({ group: '', version: 'v1', name: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] }),
  entry({ group: '', version: 'v1', name: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] }),
  entry({ group: '', version: 'v1', name: 'limitranges', singularName: 'limitrange', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] }),
  entry({
    group: '',
    version: 'v1',
    name: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
  }),
  entry({ group: '', version: 'v1', name: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: [status('Node')] }),
  entry({ group: '', version: 'v1', name: 'persistentvolumeclaims', singularName: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: [status('PersistentVolumeClaim')] }),
  entry({ group: '', version: 'v1', name: 'persistentvolumes', singularName: 'persistentvolume', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: [status('PersistentVolume')] }),
  entry({
    group: '',
    version: 'v1',
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      status('Pod'),
    ],
  }),
  entry({ group: '', version: 'v1', name: 'resourcequotas', singularName: 'resourcequota', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: [status('ResourceQuota')] }),
  entry({ group: '', version: 'v1', name: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true }),
  entry({
    group: '',
    version: 'v1',
    name: 'serviceaccounts',
    singularName: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  entry({
    group: '',
    version: 'v1',
    name: 'services',
    singularName: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [status('Service')],
  }),
  entry({ group: 'apps', version: 'v1', name: 'controllerrevisions', singularName: 'controllerrevision', kind: 'ControllerRevision', namespaced: true }),
  entry({ group: 'apps', version: 'v1', name: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: [status('DaemonSet')] }),
  entry({
    group: 'apps',
    version: 'v1',
    name: 'deployments',
    singularName: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [scale, status('Deployment')],
  }),
  entry({
    group: 'apps',
    version: 'v1',
    name: 'replicasets',
    singularName: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [scale, status('ReplicaSet')],
  }),
  entry({
    group: 'apps',
    version: 'v1',
    name: 'statefulsets',
    singularName: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [scale, status('StatefulSet')],
  }),
  entry({ group: 'batch', version: 'v1', name: 'cronjobs', singularName: 'cronjob', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: [status('CronJob')] }),
  entry({ group: 'batch', version: 'v1', name: 'jobs', singularName: 'job', kind: 'Job', namespaced: true, categories: ['all'], subresources: [status('Job')] }),
  ...CHAOS_RESOURCES.map(entry),
  ...AUTHORIZATION_RESOURCES.map(entry),
  entry({ group: 'coordination.k8s.io', version: 'v1', name: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true }),
  entry({ group: 'networking.k8s.io', version: 'v1', name: 'ingressclasses', singularName: 'ingressclass', kind: 'IngressClass', namespaced: false }),
  entry({ group: 'networking.k8s.io', version: 'v1', name: 'ingresses', singularName: 'ingress', kind: 'Ingress', namespaced: true, shortNames: ['ing'], subresources: [status('Ingress')] }),
  entry({ group: 'networking.k8s.io', version: 'v1', name: 'networkpolicies', singularName: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] }),
  entry({ group: 'policy', version: 'v1', name: 'poddisruptionbudgets', singularName: 'poddisruptionbudget', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: [status('PodDisruptionBudget')] }),
  ...RBAC_RESOURCES.map(entry),
  entry({ group: 'scheduling.k8s.io', version: 'v1', name: 'priorityclasses', singularName: 'priorityclass', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] }),
  entry({ group: 'storage.k8s.io', version: 'v1', name: 'storageclasses', singularName: 'storageclass', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] }),
]

/** `v1` for the core group, `apps/v1` otherwise. */
export const groupVersionOf = (group: string, version: string): string => (group === '' ? version : `${group}/${version}`)

/** The API path prefix of a group/version: `/api/v1`, `/apis/apps/v1`. */
export const apiPathOf = (group: string, version: string): string => (group === '' ? `/api/${version}` : `/apis/${group}/${version}`)

export interface GroupVersion {
  readonly group: string
  readonly version: string
}

/** Served group/versions, core first, in table order, each once. */
export const GROUP_VERSIONS: readonly GroupVersion[] = RESOURCES.reduce<GroupVersion[]>((acc, r) => {
  if (!acc.some((gv) => gv.group === r.group && gv.version === r.version)) acc.push({ group: r.group, version: r.version })
  return acc
}, [])

export const resourcesOf = (group: string, version: string): readonly ResourceSpec[] =>
  RESOURCES.filter((r) => r.group === group && r.version === version)

/** The resource served at group/version under its plural name. */
export const findResource = (group: string, version: string, plural: string): ResourceSpec | undefined =>
  RESOURCES.find((r) => r.group === group && r.version === version && r.name === plural)

/** The resource of a kind in a group/version (`apps`, `v1`, `Deployment`). */
export const findResourceByKind = (group: string, version: string, kind: string): ResourceSpec | undefined =>
  RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind)

/** The subresource spec with its kind's group/version filled in. */
export const subresourceOf = (
  resource: ResourceSpec,
  name: string,
): (SubresourceSpec & { readonly group: string; readonly version: string }) | undefined => {
  const sub = resource.subresources.find((s) => s.name === name)
  if (!sub) return undefined
  return { ...sub, group: sub.group ?? resource.group, version: sub.version ?? resource.version }
}
