/**
 * A pod as the scheduler reads it, computed once per pod (framework.PodInfo): its requests, the
 * non-zero requests scoring uses, and its (anti-)affinity terms with their selectors parsed.
 */
import type { Container, Pod, PodAffinityTerm } from '../../kube/objects.ts'
import { milliCpu, wholeUnits } from '../../kube/quantity.ts'
import { labelSelectorFromObject, matchesRequirement, nothing, type LabelSelector } from '../../apiserver/meta/label-selector.ts'

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

/** LabelSelector.matches without the closure it allocates per call (the scheduler's hot loops match every pod). */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  if (selector.nothing) return false
  const reqs = selector.requirements
  for (let i = 0; i < reqs.length; i++) if (!matchesRequirement(reqs[i]!, labels)) return false
  return true
}

/** A string that is equal for two selectors only if they select the same objects (Nothing and Everything differ). */
export const selectorKey = (selector: LabelSelector): string => (selector.nothing ? '!' : selector.toString())

/**
 * resource.PodRequests: the sum over containers, raised to the largest init container (init
 * containers run one at a time, before the others). With `nonZero`, a container without a cpu or
 * memory request counts as 100m / 200Mi (schedutil.GetNonzeroRequests), as scoring does.
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const r = podRequestsBoth(pod)
  return nonZero ? r.nonZero : r.requests
}

/** podRequests without and with `nonZero`, each quantity parsed once. */
function podRequestsBoth(pod: Pod): { requests: Resources; nonZero: Resources } {
  let cpu = 0
  let mem = 0
  let nzCpu = 0
  let nzMem = 0
  const add = (c: Container, init: boolean): void => {
    const req = c.resources?.requests
    const cCpu = milliCpu(req?.cpu)
    const cMem = wholeUnits(req?.memory)
    const cNzCpu = req?.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : cCpu
    const cNzMem = req?.memory === undefined ? DEFAULT_MEMORY_REQUEST : cMem
    if (init) {
      if (cCpu > cpu) cpu = cCpu
      if (cMem > mem) mem = cMem
      if (cNzCpu > nzCpu) nzCpu = cNzCpu
      if (cNzMem > nzMem) nzMem = cNzMem
    } else {
      cpu += cCpu
      mem += cMem
      nzCpu += cNzCpu
      nzMem += cNzMem
    }
  }
  for (const c of pod.spec.containers) add(c, false)
  for (const c of pod.spec.initContainers ?? []) add(c, true)
  return { requests: { milliCpu: cpu, memory: mem }, nonZero: { milliCpu: nzCpu, memory: nzMem } }
}

/** framework.AffinityTerm: a PodAffinityTerm with its selectors parsed. */
export interface AffinityTerm {
  /** The namespaces named by the term (the pod's own when it names none and has no namespaceSelector). */
  readonly namespaces: ReadonlySet<string>
  /** Nothing when the term has no namespaceSelector; everything for `{}`. */
  readonly namespaceSelector: LabelSelector
  readonly selector: LabelSelector
  readonly topologyKey: string
  /** Equal for two terms that select the same pods (namespaces, namespaceSelector, selector; not topologyKey): the snapshot's indexes group terms by it. */
  readonly matchKey: string
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
    return selectorMatches(term.selector, pod.labels)
  }
  return false
}

/** Whether termMatches depends on namespace labels (a non-empty namespaceSelector), which the snapshot's indexes cannot follow. */
export const needsNamespaceLabels = (term: AffinityTerm): boolean => !term.namespaceSelector.nothing && !term.namespaceSelector.empty

function parseSelector(sel: PodAffinityTerm['labelSelector'], errors: string[]): LabelSelector {
  const r = labelSelectorFromObject(sel)
  if (r.ok) return r.selector
  errors.push(r.error)
  return nothing()
}

function affinityTerm(term: PodAffinityTerm, namespace: string, errors: string[]): AffinityTerm {
  const namespaces = new Set(term.namespaces ?? [])
  if (namespaces.size === 0 && term.namespaceSelector === undefined) namespaces.add(namespace)
  const namespaceSelector = parseSelector(term.namespaceSelector, errors)
  const selector = parseSelector(term.labelSelector, errors)
  const matchKey = `${[...namespaces].sort().join(',')}\u0000${selectorKey(namespaceSelector)}\u0000${selectorKey(selector)}`
  return { namespaces, namespaceSelector, selector, topologyKey: term.topologyKey, matchKey }
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
  /** The pod has (anti-)affinity terms of any kind (NodeInfo.PodsWithAffinity). */
  readonly hasAffinity: boolean
  readonly hasRequiredAntiAffinity: boolean
  readonly pod: Pod

  /**
   * `base`: a PodInfo of the same pod but for spec.nodeName (an assumed pod): its parsed parts are
   * reused instead of parsed again.
   */
  constructor(pod: Pod, base?: PodInfo) {
    this.pod = pod
    if (base !== undefined) {
      this.namespace = base.namespace
      this.name = base.name
      this.key = base.key
      this.uid = base.uid
      this.labels = base.labels
      this.priority = base.priority
      this.requests = base.requests
      this.nonZeroRequests = base.nonZeroRequests
      this.terminating = base.terminating
      this.requiredAffinityTerms = base.requiredAffinityTerms
      this.requiredAntiAffinityTerms = base.requiredAntiAffinityTerms
      this.preferredAffinityTerms = base.preferredAffinityTerms
      this.preferredAntiAffinityTerms = base.preferredAntiAffinityTerms
      this.parseErrors = base.parseErrors
      this.hasAffinity = base.hasAffinity
      this.hasRequiredAntiAffinity = base.hasRequiredAntiAffinity
      return
    }
    const meta = pod.metadata
    this.namespace = meta.namespace ?? 'default'
    this.name = meta.name ?? ''
    this.key = `${this.namespace}/${this.name}`
    this.uid = meta.uid ?? this.key
    this.labels = meta.labels ?? EMPTY
    this.priority = pod.spec.priority ?? 0
    const requests = podRequestsBoth(pod)
    this.requests = requests.requests
    this.nonZeroRequests = requests.nonZero
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
    this.hasAffinity = this.requiredAffinityTerms.length + this.requiredAntiAffinityTerms.length + this.preferredAffinityTerms.length + this.preferredAntiAffinityTerms.length > 0
    this.hasRequiredAntiAffinity = this.requiredAntiAffinityTerms.length > 0
  }

  /** This pod on `nodeName` (an assumed pod), sharing the parsed parts. */
  withNodeName(nodeName: string): PodInfo {
    return this.pod.spec.nodeName === nodeName ? this : new PodInfo({ ...this.pod, spec: { ...this.pod.spec, nodeName } }, this)
  }

  /** The node the pod is bound (or assumed) to, if any. */
  get nodeName(): string | undefined {
    return this.pod.spec.nodeName || undefined
  }
}
