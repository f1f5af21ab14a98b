/**
 * Which lists merge under a strategic merge patch, per kind: the `patchStrategy` /
 * `patchMergeKey` struct tags of the Kubernetes API types (k8s.io/api core/v1, apps/v1,
 * coordination/v1, meta/v1). Lists not listed here are atomic (replaced by the patch), maps
 * always merge. `retainKeys` strategies are not recorded: the `$retainKeys` directive is
 * honoured wherever it appears.
 *
 * Paths are field names from the object root joined by `.`, with `[]` after a list when
 * descending into its items: `spec.template.spec.containers[].env`.
 */

export interface FieldStrategy {
  /** `merge`: list elements merge (by mergeKey for objects, as a set for primitives); `replace`: a map is replaced whole. */
  readonly strategy: 'merge' | 'replace'
  /** For lists of objects: the field that identifies an element. Absent for primitive lists. */
  readonly mergeKey?: string
}

export type StrategicSchema = ReadonlyMap<string, FieldStrategy>

const merge = (mergeKey?: string): FieldStrategy => (mergeKey === undefined ? { strategy: 'merge' } : { strategy: 'merge', mergeKey })

const join = (prefix: string, field: string): string => (prefix === '' ? field : `${prefix}.${field}`)

/** metav1.ObjectMeta. managedFields has no tag (atomic). */
function objectMeta(prefix: string): [string, FieldStrategy][] {
  const m = join(prefix, 'metadata')
  return [
    [`${m}.ownerReferences`, merge('uid')],
    [`${m}.finalizers`, merge()],
  ]
}

/** core/v1 Container and EphemeralContainerCommon share these tags. */
function container(prefix: string): [string, FieldStrategy][] {
  return [
    [`${prefix}.ports`, merge('containerPort')],
    [`${prefix}.env`, merge('name')],
    [`${prefix}.volumeMounts`, merge('mountPath')],
    [`${prefix}.volumeDevices`, merge('devicePath')],
  ]
}

/**
 * core/v1 PodSpec. Atomic (no tag): tolerations, readinessGates, dnsConfig lists, affinity
 * terms, container args/command/envFrom/resizePolicy.
 */
function podSpec(prefix: string): [string, FieldStrategy][] {
  const s = join(prefix, 'spec')
  return [
    [`${s}.volumes`, merge('name')], // merge,retainKeys
    [`${s}.initContainers`, merge('name')],
    [`${s}.containers`, merge('name')],
    [`${s}.ephemeralContainers`, merge('name')],
    ...container(`${s}.initContainers[]`),
    ...container(`${s}.containers[]`),
    ...container(`${s}.ephemeralContainers[]`),
    [`${s}.imagePullSecrets`, merge('name')],
    [`${s}.hostAliases`, merge('ip')],
    [`${s}.topologySpreadConstraints`, merge('topologyKey')],
    [`${s}.schedulingGates`, merge('name')],
    [`${s}.resourceClaims`, merge('name')], // merge,retainKeys
  ]
}

function podStatus(prefix: string): [string, FieldStrategy][] {
  const s = join(prefix, 'status')
  return [
    [`${s}.conditions`, merge('type')],
    [`${s}.podIPs`, merge('ip')],
    [`${s}.hostIPs`, merge('ip')],
    [`${s}.resourceClaimStatuses`, merge('name')], // merge,retainKeys
  ]
}

/** A workload (Deployment, ReplicaSet): ObjectMeta, a PodTemplateSpec at spec.template, status conditions by type. */
function workload(): [string, FieldStrategy][] {
  return [
    ...objectMeta(''),
    ...objectMeta('spec.template'),
    ...podSpec('spec.template'),
    // DeploymentSpec.strategy is `retainKeys` (handled by the directive, no entry needed).
    ['status.conditions', merge('type')],
  ]
}

const table: Record<string, [string, FieldStrategy][]> = {
  Pod: [...objectMeta(''), ...podSpec(''), ...podStatus('')],
  Deployment: workload(),
  ReplicaSet: workload(),
  // ServiceSpec.ports: merge by port (listMapKeys are port+protocol, but the SMP key is port alone).
  Service: [...objectMeta(''), ['spec.ports', merge('port')], ['status.conditions', merge('type')]],
  // NodeSpec.taints has no patch tag: atomic. podCIDRs is a primitive merge list.
  Node: [
    ...objectMeta(''),
    ['spec.podCIDRs', merge()],
    ['status.conditions', merge('type')],
    ['status.addresses', merge('type')],
  ],
  // NamespaceSpec.finalizers has no patch tag (atomic); metadata.finalizers merges.
  Namespace: [...objectMeta(''), ['status.conditions', merge('type')]],
  ConfigMap: objectMeta(''),
  // Endpoints.subsets and everything below it are atomic.
  Endpoints: objectMeta(''),
  Lease: objectMeta(''),
  Event: objectMeta(''),
  Secret: objectMeta(''),
  // ServiceAccount.secrets merges by name; imagePullSecrets has no tag (atomic).
  ServiceAccount: [...objectMeta(''), ['secrets', merge('name')]],
  PersistentVolumeClaim: [...objectMeta(''), ['status.conditions', merge('type')]],
  PersistentVolume: objectMeta(''),
  LimitRange: objectMeta(''),
  ResourceQuota: objectMeta(''),
  // StatefulSetSpec.volumeClaimTemplates has no tag (atomic).
  DaemonSet: workload(),
  StatefulSet: workload(),
  PodDisruptionBudget: [...objectMeta(''), ['status.conditions', merge('type')]],
  Ingress: objectMeta(''),
  IngressClass: objectMeta(''),
  NetworkPolicy: objectMeta(''),
  StorageClass: objectMeta(''),
  // JobSpec's podFailurePolicy and successPolicy rules are atomic; JobStatus.conditions merge by type.
  Job: workload(),
  // CronJobStatus.active is atomic.
  CronJob: [...objectMeta(''), ...objectMeta('spec.jobTemplate'), ...objectMeta('spec.jobTemplate.spec.template'), ...podSpec('spec.jobTemplate.spec.template')],
}

const schemas: ReadonlyMap<string, StrategicSchema> = new Map(Object.entries(table).map(([kind, entries]) => [kind, new Map(entries)]))

/** The strategic-merge schema for a kind, or undefined for kinds we have none for (the apiserver answers 415 for those). */
export function strategicSchemaFor(kind: string): StrategicSchema | undefined {
  return schemas.get(kind)
}

/** Kinds with a schema. */
export const STRATEGIC_KINDS: readonly string[] = [...schemas.keys()]
