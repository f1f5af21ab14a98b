/**
 * A pod as the scheduler reads it, computed once per pod (framework.PodInfo): its requests, the
 * non-zero requests scoring uses, and its (anti-)affinity terms with their selectors parsed.
 */
import type { Container, Pod, PodAffinityTerm } from '../../kube/objects.ts'
import { milliCpu, wholeUnits } from '../../kube/quantity.ts'
import { labelSelectorFromObject, nothing, type LabelSelector } from '../../apiserver/meta/label-selector.ts'

/** CPU in millicores, memory in bytes. */
export interface Resources {
  readonly milliCpu: number
  readonly memory: number
}

/** schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for a container without requests. */
export const DEFAULT_MILLI_CPU_REQUEST = 100
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

type Labels = Readonly<Record<string, string>>

const EMPTY: Labels = Object.freeze({})

/** A label's value, own properties only ("constructor" is not a label). */
export function labelValue(labels: Labels | undefined, key: string): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  const req = c.resources?.requests
  let cpu = milliCpu(req?.cpu)
  let mem = wholeUnits(req?.memory)
  if (nonZero) {
    if (req?.cpu === undefined) cpu = DEFAULT_MILLI_CPU_REQUEST
    if (req?.memory === undefined) mem = DEFAULT_MEMORY_REQUEST
  }
  return { milliCpu: cpu, memory: mem }
}

/**
 * resource.PodRequests: the sum over containers, raised to the largest init container (init
 * containers run one at a time, before the others). With `nonZero`, a container without a cpu or
 * memory request counts as 100m / 200Mi (schedutil.GetNonzeroRequests), as scoring does.
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  let cpu = 0
  let mem = 0
  for (const c of pod.spec.containers) {
    const r = containerRequests(c, nonZero)
    cpu += r.milliCpu
    mem += r.memory
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero)
    if (r.milliCpu > cpu) cpu = r.milliCpu
    if (r.memory > mem) mem = r.memory
  }
  return { milliCpu: cpu, memory: mem }
}

/** framework.AffinityTerm: a PodAffinityTerm with its selectors parsed. */
export interface AffinityTerm {
  /** The namespaces named by the term (the pod's own when it names none and has no namespaceSelector). */
  readonly namespaces: ReadonlySet<string>
  /** Nothing when the term has no namespaceSelector; everything for `{}`. */
  readonly namespaceSelector: LabelSelector
  readonly selector: LabelSelector
  readonly topologyKey: string
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number
}

/**
 * Whether `pod` is one of the pods the term selects (AffinityTerm.Matches). Namespace labels are
 * needed only by a non-empty namespaceSelector; without them such a selector sees a namespace with
 * no labels.
 */
export function termMatches(term: AffinityTerm, pod: PodInfo, namespaceLabels?: (ns: string) => Labels | undefined): boolean {
  if (term.namespaces.has(pod.namespace) || (!term.namespaceSelector.nothing && (term.namespaceSelector.empty || term.namespaceSelector.matches(namespaceLabels?.(pod.namespace))))) {
    return term.selector.matches(pod.labels)
  }
  return false
}

function parseSelector(sel: PodAffinityTerm['labelSelector'], errors: string[]): LabelSelector {
  const r = labelSelectorFromObject(sel)
  if (r.ok) return r.selector
  errors.push(r.error)
  return nothing()
}

function affinityTerm(term: PodAffinityTerm, namespace: string, errors: string[]): AffinityTerm {
  const namespaces = new Set(term.namespaces ?? [])
  if (namespaces.size === 0 && term.namespaceSelector === undefined) namespaces.add(namespace)
  return {
    namespaces,
    namespaceSelector: parseSelector(term.namespaceSelector, errors),
    selector: parseSelector(term.labelSelector, errors),
    topologyKey: term.topologyKey,
  }
}

/** framework.PodInfo. Immutable: a changed pod gets a new PodInfo. */
export class PodInfo {
  readonly uid: string
  readonly namespace: string
  readonly name: string
  /** `namespace/name`. */
  readonly key: string
  readonly labels: Labels
  readonly priority: number
  /** What the pod asks for (NodeResourcesFit's filter). */
  readonly requests: Resources
  /** Requests with 100m / 200Mi for containers without any (NodeResourcesFit's score). */
  readonly nonZeroRequests: Resources
  readonly requiredAffinityTerms: readonly AffinityTerm[]
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[]
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[]
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[]
  /** Selector errors in the (anti-)affinity terms; such a term selects nothing and InterPodAffinity reports an Error. */
  readonly parseErrors: readonly string[]
  readonly terminating: boolean
  readonly pod: Pod

  constructor(pod: Pod) {
    this.pod = pod
    const meta = pod.metadata
    this.namespace = meta.namespace ?? 'default'
    this.name = meta.name ?? ''
    this.key = `${this.namespace}/${this.name}`
    this.uid = meta.uid ?? this.key
    this.labels = meta.labels ?? EMPTY
    this.priority = pod.spec.priority ?? 0
    this.requests = podRequests(pod)
    this.nonZeroRequests = podRequests(pod, true)
    this.terminating = meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null
    const errors: string[] = []
    const affinity = pod.spec.affinity
    const ns = this.namespace
    const required = (terms: readonly PodAffinityTerm[] | undefined): AffinityTerm[] => (terms ?? []).map((t) => affinityTerm(t, ns, errors))
    const preferred = (terms: readonly { weight: number; podAffinityTerm: PodAffinityTerm }[] | undefined): WeightedAffinityTerm[] =>
      (terms ?? []).filter((t) => t.weight !== 0).map((t) => ({ ...affinityTerm(t.podAffinityTerm, ns, errors), weight: t.weight }))
    this.requiredAffinityTerms = required(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
    this.requiredAntiAffinityTerms = required(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
    this.preferredAffinityTerms = preferred(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution)
    this.preferredAntiAffinityTerms = preferred(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution)
    this.parseErrors = errors
  }

  /** The pod has (anti-)affinity terms of any kind (NodeInfo.PodsWithAffinity). */
  get hasAffinity(): boolean {
    return this.requiredAffinityTerms.length + this.requiredAntiAffinityTerms.length + this.preferredAffinityTerms.length + this.preferredAntiAffinityTerms.length > 0
  }

  get hasRequiredAntiAffinity(): boolean {
    return this.requiredAntiAffinityTerms.length > 0
  }

  /** The node the pod is bound (or assumed) to, if any. */
  get nodeName(): string | undefined {
    return this.pod.spec.nodeName || undefined
  }
}
