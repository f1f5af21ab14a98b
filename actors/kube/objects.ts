/**
 * Typed views of the Kubernetes objects the control plane and the nodes act on (core/v1,
 * apps/v1, coordination.k8s.io/v1), as they travel as JSON. Every field that a client may omit
 * is optional, so code reading them must cope with partial objects; the apiserver's defaulting
 * fills most of them in on create.
 */
import type { ObjectMeta as LooseObjectMeta } from '../apiserver/tables/types.ts'

export interface OwnerReference {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  readonly uid: string
  readonly controller?: boolean
  readonly blockOwnerDeletion?: boolean
}

export interface ObjectMeta extends LooseObjectMeta {
  readonly generateName?: string
  readonly ownerReferences?: readonly OwnerReference[]
  readonly finalizers?: readonly string[]
  readonly deletionGracePeriodSeconds?: number
}

export interface LabelSelectorRequirement {
  readonly key: string
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'
  readonly values?: readonly string[]
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>
  readonly matchExpressions?: readonly LabelSelectorRequirement[]
}

/** Quantities as Kubernetes writes them ("500m", "1", "128Mi"); actors/kube/quantity.ts reads them. */
export type ResourceList = Readonly<Record<string, string | number>>

export interface ResourceRequirements {
  readonly requests?: ResourceList
  readonly limits?: ResourceList
}

export interface ContainerPort {
  readonly name?: string
  readonly containerPort: number
  readonly protocol?: string
  readonly hostPort?: number
}

/** A key of a ConfigMap or Secret in the pod's namespace (configMapKeyRef, secretKeyRef). */
export interface KeySelector {
  readonly name?: string
  readonly key: string
  readonly optional?: boolean
}

export interface EnvVar {
  readonly name: string
  readonly value?: string
  /** Resolved by the pod actor (actors/pod/env.ts). */
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string }
    readonly resourceFieldRef?: { readonly containerName?: string; readonly resource: string; readonly divisor?: string | number }
    readonly configMapKeyRef?: KeySelector
    readonly secretKeyRef?: KeySelector
  }
}

/** A whole ConfigMap or Secret as variables (envFrom), each key with the prefix. */
export interface EnvFromSource {
  readonly prefix?: string
  readonly configMapRef?: { readonly name?: string; readonly optional?: boolean }
  readonly secretRef?: { readonly name?: string; readonly optional?: boolean }
}

export interface ExecAction {
  readonly command?: readonly string[]
}

export interface Probe {
  readonly exec?: ExecAction
  readonly httpGet?: { readonly path?: string; readonly port: number | string; readonly host?: string; readonly scheme?: string }
  readonly tcpSocket?: { readonly port: number | string; readonly host?: string }
  readonly initialDelaySeconds?: number
  readonly periodSeconds?: number
  readonly timeoutSeconds?: number
  readonly successThreshold?: number
  readonly failureThreshold?: number
}

export interface Container {
  readonly name: string
  readonly image?: string
  readonly command?: readonly string[]
  readonly args?: readonly string[]
  readonly env?: readonly EnvVar[]
  readonly envFrom?: readonly EnvFromSource[]
  readonly workingDir?: string
  readonly ports?: readonly ContainerPort[]
  readonly resources?: ResourceRequirements
  readonly livenessProbe?: Probe
  readonly readinessProbe?: Probe
  readonly startupProbe?: Probe
}

/** core/v1 ContainerState: exactly one of the three is set. */
export interface ContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string }
  readonly running?: { readonly startedAt?: string }
  readonly terminated?: {
    readonly exitCode: number
    readonly signal?: number
    readonly reason?: string
    readonly message?: string
    readonly startedAt?: string
    readonly finishedAt?: string
    readonly containerID?: string
  }
}

/** Kubernetes always fills every field; objects written by older code or tests may not. */
export interface ContainerStatus {
  readonly name: string
  readonly state?: ContainerState
  readonly lastState?: ContainerState
  readonly ready?: boolean
  readonly restartCount?: number
  readonly image?: string
  readonly imageID?: string
  readonly containerID?: string
  readonly started?: boolean
}

export interface NodeSelectorRequirement {
  readonly key: string
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt'
  readonly values?: readonly string[]
}

export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[]
  readonly matchFields?: readonly NodeSelectorRequirement[]
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: readonly NodeSelectorTerm[] }
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly { readonly weight: number; readonly preference: NodeSelectorTerm }[]
}

export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector
  readonly namespaces?: readonly string[]
  readonly namespaceSelector?: LabelSelector
  readonly topologyKey: string
}

export interface WeightedPodAffinityTerm {
  readonly weight: number
  readonly podAffinityTerm: PodAffinityTerm
}

export interface PodAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[]
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly WeightedPodAffinityTerm[]
}

export interface Affinity {
  readonly nodeAffinity?: NodeAffinity
  readonly podAffinity?: PodAffinity
  readonly podAntiAffinity?: PodAffinity
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'

export interface Taint {
  readonly key: string
  readonly value?: string
  readonly effect: TaintEffect
  readonly timeAdded?: string
}

export interface Toleration {
  readonly key?: string
  readonly operator?: 'Exists' | 'Equal'
  readonly value?: string
  readonly effect?: TaintEffect
  readonly tolerationSeconds?: number
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number
  readonly topologyKey: string
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway'
  readonly labelSelector?: LabelSelector
  readonly minDomains?: number
}

export interface PodSpec {
  readonly nodeName?: string
  readonly nodeSelector?: Readonly<Record<string, string>>
  readonly affinity?: Affinity
  readonly tolerations?: readonly Toleration[]
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[]
  readonly schedulerName?: string
  readonly priority?: number
  readonly priorityClassName?: string
  /** Never: the pod waits for room instead of preempting others (default PreemptLowerPriority). */
  readonly preemptionPolicy?: 'PreemptLowerPriority' | 'Never'
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never'
  /** false: no variables for the namespace's Services, only for the master `kubernetes` one (default true). */
  readonly enableServiceLinks?: boolean
  readonly terminationGracePeriodSeconds?: number
  readonly initContainers?: readonly Container[]
  readonly containers: readonly Container[]
}

export interface Condition {
  readonly type: string
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason?: string
  readonly message?: string
  readonly lastTransitionTime?: string
  readonly lastHeartbeatTime?: string
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'

export interface PodStatus {
  readonly phase?: PodPhase
  readonly conditions?: readonly Condition[]
  readonly podIP?: string
  readonly hostIP?: string
  readonly startTime?: string
  readonly podIPs?: readonly { readonly ip: string }[]
  readonly reason?: string
  readonly message?: string
  readonly nominatedNodeName?: string
  readonly initContainerStatuses?: readonly ContainerStatus[]
  readonly containerStatuses?: readonly ContainerStatus[]
}

export interface Pod {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Pod'
  readonly metadata: ObjectMeta
  readonly spec: PodSpec
  readonly status?: PodStatus
}

export interface PodTemplateSpec {
  readonly metadata?: ObjectMeta
  readonly spec: PodSpec
}

export interface NodeSpec {
  readonly unschedulable?: boolean
  readonly taints?: readonly Taint[]
  readonly podCIDR?: string
}

export interface NodeStatus {
  readonly capacity?: ResourceList
  readonly allocatable?: ResourceList
  readonly conditions?: readonly Condition[]
  readonly addresses?: readonly { readonly type: string; readonly address: string }[]
  readonly nodeInfo?: Readonly<Record<string, string>>
  readonly daemonEndpoints?: { readonly kubeletEndpoint?: { readonly Port: number } }
}

export interface Node {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Node'
  readonly metadata: ObjectMeta
  readonly spec?: NodeSpec
  readonly status?: NodeStatus
}

export interface ReplicaSetSpec {
  readonly replicas?: number
  readonly minReadySeconds?: number
  readonly selector: LabelSelector
  readonly template: PodTemplateSpec
}

export interface ReplicaSetStatus {
  readonly replicas: number
  readonly fullyLabeledReplicas?: number
  readonly readyReplicas?: number
  readonly availableReplicas?: number
  readonly observedGeneration?: number
}

export interface ReplicaSet {
  readonly apiVersion?: 'apps/v1'
  readonly kind?: 'ReplicaSet'
  readonly metadata: ObjectMeta
  readonly spec: ReplicaSetSpec
  readonly status?: ReplicaSetStatus
}

export interface DeploymentStrategy {
  readonly type?: 'RollingUpdate' | 'Recreate'
  readonly rollingUpdate?: { readonly maxSurge?: number | string; readonly maxUnavailable?: number | string }
}

export interface DeploymentSpec {
  readonly replicas?: number
  readonly selector: LabelSelector
  readonly template: PodTemplateSpec
  readonly strategy?: DeploymentStrategy
  readonly minReadySeconds?: number
  readonly revisionHistoryLimit?: number
  readonly paused?: boolean
  readonly progressDeadlineSeconds?: number
}

export interface DeploymentStatus {
  readonly observedGeneration?: number
  readonly replicas?: number
  readonly updatedReplicas?: number
  readonly readyReplicas?: number
  readonly availableReplicas?: number
  readonly unavailableReplicas?: number
  readonly conditions?: readonly Condition[]
}

export interface Deployment {
  readonly apiVersion?: 'apps/v1'
  readonly kind?: 'Deployment'
  readonly metadata: ObjectMeta
  readonly spec: DeploymentSpec
  readonly status?: DeploymentStatus
}

export interface ServicePort {
  readonly name?: string
  readonly protocol?: string
  readonly port: number
  readonly targetPort?: number | string
  readonly nodePort?: number
}

export interface Service {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Service'
  readonly metadata: ObjectMeta
  readonly spec: {
    readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer'
    readonly selector?: Readonly<Record<string, string>>
    readonly ports?: readonly ServicePort[]
    readonly clusterIP?: string
    readonly clusterIPs?: readonly string[]
    readonly sessionAffinity?: 'None' | 'ClientIP'
    readonly sessionAffinityConfig?: { readonly clientIP?: { readonly timeoutSeconds?: number } }
  }
}

export interface EndpointAddress {
  readonly ip: string
  readonly nodeName?: string
  readonly targetRef?: { readonly kind: string; readonly name: string; readonly namespace?: string; readonly uid?: string }
}

export interface EndpointSubset {
  readonly addresses?: readonly EndpointAddress[]
  readonly notReadyAddresses?: readonly EndpointAddress[]
  readonly ports?: readonly { readonly name?: string; readonly port: number; readonly protocol?: string }[]
}

export interface Endpoints {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Endpoints'
  readonly metadata: ObjectMeta
  readonly subsets?: readonly EndpointSubset[]
}

export interface Lease {
  readonly apiVersion?: 'coordination.k8s.io/v1'
  readonly kind?: 'Lease'
  readonly metadata: ObjectMeta
  readonly spec: {
    readonly holderIdentity?: string
    readonly leaseDurationSeconds?: number
    readonly acquireTime?: string
    readonly renewTime?: string
    readonly leaseTransitions?: number
  }
}

export interface Namespace {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Namespace'
  readonly metadata: ObjectMeta
  readonly spec?: { readonly finalizers?: readonly string[] }
  readonly status?: { readonly phase?: 'Active' | 'Terminating' }
}

export interface KubeEvent {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Event'
  readonly metadata: ObjectMeta
  readonly involvedObject: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly uid?: string; readonly apiVersion?: string; readonly resourceVersion?: string; readonly fieldPath?: string }
  readonly reason: string
  readonly message: string
  readonly type: 'Normal' | 'Warning'
  readonly source?: { readonly component?: string; readonly host?: string }
  readonly count?: number
  readonly firstTimestamp?: string
  readonly lastTimestamp?: string
  readonly reportingComponent?: string
  readonly reportingInstance?: string
}
