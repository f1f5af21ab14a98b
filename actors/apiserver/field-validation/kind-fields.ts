/**
 * What a kind's JSON may hold, for field validation: the protobuf message that describes it
 * (our text of Kubernetes' generated.proto, whose field names are the JSON names), or, for kinds
 * without a whole message, their top-level fields, each a message or open. A kind not listed
 * here is not checked at all.
 */
import { messageNamed, type MessageType } from '../protobuf/registry.ts'

const CORE = 'k8s.io.api.core.v1'
const APPS = 'k8s.io.api.apps.v1'
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1'

/** A value whose fields are not checked (a spec or status we have no schema of: the chaos kinds'). */
export const OPEN = 'open'

/** Kinds one message describes completely (metadata, spec, status, data, ...). */
const MESSAGE_KINDS: Readonly<Record<string, string>> = {
  'v1/Binding': `${CORE}.Binding`,
  'v1/ConfigMap': `${CORE}.ConfigMap`,
  'v1/Endpoints': `${CORE}.Endpoints`,
  'v1/Event': `${CORE}.Event`,
  'v1/LimitRange': `${CORE}.LimitRange`,
  'v1/Namespace': `${CORE}.Namespace`,
  'v1/Node': `${CORE}.Node`,
  'v1/PersistentVolume': `${CORE}.PersistentVolume`,
  'v1/PersistentVolumeClaim': `${CORE}.PersistentVolumeClaim`,
  'v1/Pod': `${CORE}.Pod`,
  'v1/ResourceQuota': `${CORE}.ResourceQuota`,
  'v1/Secret': `${CORE}.Secret`,
  'v1/Service': `${CORE}.Service`,
  'v1/ServiceAccount': `${CORE}.ServiceAccount`,
  'apps/v1/ControllerRevision': `${APPS}.ControllerRevision`,
  'apps/v1/DaemonSet': `${APPS}.DaemonSet`,
  'apps/v1/Deployment': `${APPS}.Deployment`,
  'apps/v1/ReplicaSet': `${APPS}.ReplicaSet`,
  'apps/v1/StatefulSet': `${APPS}.StatefulSet`,
  'autoscaling/v1/Scale': 'k8s.io.api.autoscaling.v1.Scale',
  'batch/v1/CronJob': 'k8s.io.api.batch.v1.CronJob',
  'batch/v1/Job': 'k8s.io.api.batch.v1.Job',
  'coordination.k8s.io/v1/Lease': 'k8s.io.api.coordination.v1.Lease',
  'networking.k8s.io/v1/Ingress': 'k8s.io.api.networking.v1.Ingress',
  'networking.k8s.io/v1/IngressClass': 'k8s.io.api.networking.v1.IngressClass',
  'networking.k8s.io/v1/NetworkPolicy': 'k8s.io.api.networking.v1.NetworkPolicy',
  'policy/v1/PodDisruptionBudget': 'k8s.io.api.policy.v1.PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.io.api.rbac.v1.ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.io.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k8s.io.api.rbac.v1.RoleBinding',
  'scheduling.k8s.io/v1/PriorityClass': 'k8s.io.api.scheduling.v1.PriorityClass',
  'storage.k8s.io/v1/StorageClass': 'k8s.io.api.storage.v1.StorageClass',
}

/** Kinds known by their top-level fields: each a message name or {@link OPEN}. */
const FIELD_KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'chaos.actorkube.io/v1alpha1/ChaosExperiment': { spec: OPEN, status: OPEN },
  'chaos.actorkube.io/v1alpha1/ChaosSchedule': { spec: OPEN, status: OPEN },
}

/** The top level of a kind: apiVersion and kind (TypeMeta), then its own fields. */
export type KindFields =
  | { readonly type: 'message'; readonly message: MessageType }
  | { readonly type: 'fields'; readonly fields: ReadonlyMap<string, MessageType | typeof OPEN> }

export const TYPE_META_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind'])

/** How `apiVersion`/`kind` is described, or undefined when it is not checked. */
export function kindFieldsOf(apiVersion: string, kind: string): KindFields | undefined {
  const key = `${apiVersion}/${kind}`
  const message = Object.hasOwn(MESSAGE_KINDS, key) ? MESSAGE_KINDS[key] : undefined
  if (message !== undefined) return { type: 'message', message: messageNamed(message) }
  const fields = Object.hasOwn(FIELD_KINDS, key) ? FIELD_KINDS[key] : undefined
  if (fields === undefined) return undefined
  const described = new Map<string, MessageType | typeof OPEN>([['metadata', messageNamed(`${META}.ObjectMeta`)]])
  for (const [name, shape] of Object.entries(fields)) described.set(name, shape === OPEN ? OPEN : messageNamed(shape))
  return { type: 'fields', fields: described }
}
