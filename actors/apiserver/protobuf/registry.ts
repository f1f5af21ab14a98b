/**
 * The protobuf message types we read and write, parsed once from our schema texts, and the
 * Kubernetes kinds (apiVersion + kind) they carry.
 */
import protobuf from 'protobufjs'
import { INTSTR, RESOURCE, RUNTIME } from './schema/apimachinery.ts'
import { AUTHENTICATION_V1 } from './schema/authentication-v1.ts'
import { AUTHORIZATION_V1 } from './schema/authorization-v1.ts'
import { APPS_V1 } from './schema/apps-v1.ts'
import { AUTOSCALING_V1 } from './schema/autoscaling-v1.ts'
import { BATCH_V1 } from './schema/batch-v1.ts'
import { COORDINATION_V1 } from './schema/coordination-v1.ts'
import { CORE_V1 } from './schema/core-v1.ts'
import { META_V1 } from './schema/meta-v1.ts'
import { NETWORKING_V1 } from './schema/networking-v1.ts'
import { POLICY_V1 } from './schema/policy-v1.ts'
import { RBAC_V1 } from './schema/rbac-v1.ts'
import { SCHEDULING_V1 } from './schema/scheduling-v1.ts'
import { STORAGE_V1 } from './schema/storage-v1.ts'

export type MessageType = protobuf.Type

let parsed: protobuf.Root | undefined

/**
 * The parsed schemas, on first use: parsing takes a few hundred milliseconds, which every process
 * that imports the apiserver (and every test) would otherwise pay before any protobuf arrives.
 */
function schemas(): protobuf.Root {
  if (parsed !== undefined) return parsed
  const root = new protobuf.Root()
  // keepCase: the schema's field names are Kubernetes' JSON names; protobufjs would camel-case them.
  for (const text of [RUNTIME, INTSTR, RESOURCE, META_V1, CORE_V1, APPS_V1, BATCH_V1, RBAC_V1, AUTHORIZATION_V1, AUTHENTICATION_V1, POLICY_V1, SCHEDULING_V1, NETWORKING_V1, COORDINATION_V1, STORAGE_V1, AUTOSCALING_V1]) protobuf.parse(text, root, { keepCase: true })
  root.resolveAll()
  parsed = root
  return root
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1'

/** Messages whose JSON is not their fields (see to-json.ts), by full name. */
export const SPECIAL = {
  time: `${META}.Time`,
  microTime: `${META}.MicroTime`,
  fieldsV1: `${META}.FieldsV1`,
  intOrString: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  quantity: 'k8s.io.apimachinery.pkg.api.resource.Quantity',
  // ExtraValue (a user's extra attributes) is a Go []string: its JSON is the list itself.
  authenticationExtraValue: 'k8s.io.api.authentication.v1.ExtraValue',
  authorizationExtraValue: 'k8s.io.api.authorization.v1.ExtraValue',
} as const

/** `apiVersion/kind` -> message, for every kind with a schema. */
const KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'v1/ResourceQuota': 'k8s.io.api.core.v1.ResourceQuota',
  'v1/Pod': 'k8s.io.api.core.v1.Pod',
  'v1/Node': 'k8s.io.api.core.v1.Node',
  'v1/PersistentVolume': 'k8s.io.api.core.v1.PersistentVolume',
  'v1/LimitRange': 'k8s.io.api.core.v1.LimitRange',
  'v1/Endpoints': 'k8s.io.api.core.v1.Endpoints',
  'v1/Event': 'k8s.io.api.core.v1.Event',
  'v1/Binding': 'k8s.io.api.core.v1.Binding',
  'autoscaling/v1/Scale': 'k8s.io.api.autoscaling.v1.Scale',
  'coordination.k8s.io/v1/Lease': 'k8s.io.api.coordination.v1.Lease',
  'storage.k8s.io/v1/StorageClass': 'k8s.io.api.storage.v1.StorageClass',
  'networking.k8s.io/v1/IngressClass': 'k8s.io.api.networking.v1.IngressClass',
  'networking.k8s.io/v1/NetworkPolicy': 'k8s.io.api.networking.v1.NetworkPolicy',
  'v1/Status': `${META}.Status`,
  'v1/PersistentVolumeClaim': 'k8s.io.api.core.v1.PersistentVolumeClaim',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
  'apps/v1/ReplicaSet': 'k8s.io.api.apps.v1.ReplicaSet',
  'apps/v1/DaemonSet': 'k8s.io.api.apps.v1.DaemonSet',
  'apps/v1/StatefulSet': 'k8s.io.api.apps.v1.StatefulSet',
  'batch/v1/Job': 'k8s.io.api.batch.v1.Job',
  'batch/v1/CronJob': 'k8s.io.api.batch.v1.CronJob',
  'authentication.k8s.io/v1/SelfSubjectReview': 'k8s.io.api.authentication.v1.SelfSubjectReview',
  'authentication.k8s.io/v1/TokenRequest': 'k8s.io.api.authentication.v1.TokenRequest',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'k8s.io.api.authorization.v1.SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'k8s.io.api.authorization.v1.LocalSubjectAccessReview',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.io.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k8s.io.api.rbac.v1.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.io.api.rbac.v1.ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  'policy/v1/PodDisruptionBudget': 'k8s.io.api.policy.v1.PodDisruptionBudget',
  'policy/v1/Eviction': 'k8s.io.api.policy.v1.Eviction',
  'scheduling.k8s.io/v1/PriorityClass': 'k8s.io.api.scheduling.v1.PriorityClass',
  'networking.k8s.io/v1/Ingress': 'k8s.io.api.networking.v1.Ingress',
}

/** The message of a kind, if it has a schema. */
export function messageTypeOf(apiVersion: string, kind: string): MessageType | undefined {
  const name = Object.hasOwn(KINDS, `${apiVersion}/${kind}`) ? KINDS[`${apiVersion}/${kind}`] : undefined
  return name === undefined ? undefined : schemas().lookupType(name)
}

/** A message by its full name (`k8s.io.api.core.v1.PodSpec`): field validation walks them. */
export const messageNamed = (fullName: string): MessageType => schemas().lookupType(fullName)

/** runtime.Unknown: the envelope of every protobuf body. */
export const unknownType = (): MessageType => schemas().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown')
