/**
 * NodeAffinity (plugins/nodeaffinity): spec.nodeSelector and required node affinity terms filter
 * nodes; preferred terms score them by the sum of the weights they match.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../../kube/objects.ts'
import { matchesRequirement, newRequirement, type Operator, type Requirement } from '../../../apiserver/meta/label-selector.ts'
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces.ts'
import type { NodeInfo } from '../../framework/node-info.ts'
import { labelValue, type PodInfo } from '../../framework/pod-info.ts'
import { sharedRejection, skip, type Result } from '../../framework/status.ts'
import { defaultNormalizeScore } from '../../framework/normalize.ts'

export const NAME = 'NodeAffinity'
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
const REJECTED = sharedRejection('UnschedulableAndUnresolvable', ERR_REASON_POD)

type Labels = Readonly<Record<string, string>>

const OPERATORS: Readonly<Record<string, Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' }

/** A parsed NodeSelectorTerm; undefined parts are absent from the term. A term that fails to parse matches nothing. */
interface ParsedTerm {
  readonly labels?: readonly Requirement[]
  readonly fields?: readonly { readonly key: string; readonly not: boolean; readonly value: string }[]
  readonly valid: boolean
}

function parseLabelRequirements(reqs: readonly NodeSelectorRequirement[]): Requirement[] | undefined {
  const out: Requirement[] = []
  for (const r of reqs) {
    const op = OPERATORS[r.operator]
    if (op === undefined) return undefined
    const parsed = newRequirement(r.key, op, r.values ?? [])
    if (!parsed.ok) return undefined
    out.push(parsed.requirement)
  }
  return out
}

/** nodeSelectorRequirementsAsFieldSelector: In/NotIn with exactly one value. */
function parseFieldRequirements(reqs: readonly NodeSelectorRequirement[]): ParsedTerm['fields'] {
  const out: { key: string; not: boolean; value: string }[] = []
  for (const r of reqs) {
    if ((r.operator !== 'In' && r.operator !== 'NotIn') || r.values?.length !== 1) return undefined
    out.push({ key: r.key, not: r.operator === 'NotIn', value: r.values[0]! })
  }
  return out
}

function parseTerm(term: NodeSelectorTerm): ParsedTerm {
  const exprs = term.matchExpressions ?? []
  const fieldReqs = term.matchFields ?? []
  if (exprs.length === 0 && fieldReqs.length === 0) return { valid: false }
  const labels = exprs.length > 0 ? parseLabelRequirements(exprs) : undefined
  const fields = fieldReqs.length > 0 ? parseFieldRequirements(fieldReqs) : undefined
  const valid = (exprs.length === 0 || labels !== undefined) && (fieldReqs.length === 0 || fields !== undefined)
  return { labels, fields, valid }
}

function termMatches(t: ParsedTerm, labels: Labels, nodeName: string): boolean {
  if (!t.valid) return false
  if (t.labels !== undefined) for (const r of t.labels) if (!matchesRequirement(r, labels)) return false
  if (t.fields !== undefined) {
    for (const f of t.fields) {
      const actual = f.key === 'metadata.name' ? nodeName : ''
      if ((actual === f.value) === f.not) return false
    }
  }
  return true
}

/** Whether a NodeSelectorTerm matches a node (labels and metadata.name). */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  return termMatches(parseTerm(term), labels, nodeName)
}

/**
 * nodeaffinity.RequiredNodeAffinity: spec.nodeSelector (every pair) and the required terms (any
 * one). PodTopologySpread uses it too, to count only nodes the pod could land on.
 */
export class RequiredNodeAffinity {
  private readonly selector: readonly [string, string][]
  private readonly terms: readonly ParsedTerm[] | undefined
  private readonly spec: Pod['spec']
  private keyText: string | undefined

  constructor(pod: Pod) {
    this.spec = pod.spec
    this.selector = Object.entries(pod.spec.nodeSelector ?? {})
    const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    this.terms = required === undefined ? undefined : required.nodeSelectorTerms.map(parseTerm)
  }

  /** Equal for two pods' RequiredNodeAffinity only if they match the same nodes (the spec's nodeSelector and required terms as JSON). */
  get key(): string {
    return (this.keyText ??= JSON.stringify([this.spec.nodeSelector ?? null, this.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null]))
  }

  /** Whether there is anything to check. */
  get empty(): boolean {
    return this.selector.length === 0 && this.terms === undefined
  }

  match(node: NodeInfo): boolean {
    const selector = this.selector
    for (let i = 0; i < selector.length; i++) if (labelValue(node.labels, selector[i]![0]) !== selector[i]![1]) return false
    const terms = this.terms
    if (terms === undefined) return true
    for (let i = 0; i < terms.length; i++) if (termMatches(terms[i]!, node.labels, node.name)) return true
    return false
  }
}

const requiredCache = new WeakMap<PodInfo, RequiredNodeAffinity>()

/** The pod's RequiredNodeAffinity, parsed once per PodInfo. */
export function requiredNodeAffinity(pod: PodInfo): RequiredNodeAffinity {
  let r = requiredCache.get(pod)
  if (r === undefined) {
    r = new RequiredNodeAffinity(pod.pod)
    requiredCache.set(pod, r)
  }
  return r
}

/** nodeaffinity.PreferredSchedulingTerms: the node's score is the sum of the weights of the terms it matches. */
export class PreferredSchedulingTerms {
  private readonly terms: readonly { readonly weight: number; readonly term: ParsedTerm }[]

  constructor(pod: Pod) {
    const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    this.terms = preferred.filter((p) => p.weight !== 0).map((p) => ({ weight: p.weight, term: parseTerm(p.preference) }))
  }

  get empty(): boolean {
    return this.terms.length === 0
  }

  score(node: NodeInfo): number {
    let s = 0
    for (const { weight, term } of this.terms) if (termMatches(term, node.labels, node.name)) s += weight
    return s
  }
}

export function newNodeAffinity(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const preScoreKey = `PreScore${NAME}`
  return {
    name: NAME,
    preFilter(state, pod): Result {
      const required = requiredNodeAffinity(pod)
      if (required.empty) return skip()
      state.write(NAME, required)
      return undefined
    },
    filter(state, pod, node): Result {
      const required = state.read<RequiredNodeAffinity>(NAME) ?? requiredNodeAffinity(pod)
      return required.match(node) ? undefined : REJECTED
    },
    preScore(state, pod): Result {
      const preferred = new PreferredSchedulingTerms(pod.pod)
      if (preferred.empty) return skip()
      state.write(preScoreKey, preferred)
      return undefined
    },
    score(state, pod, node): number {
      const preferred = state.read<PreferredSchedulingTerms>(preScoreKey) ?? new PreferredSchedulingTerms(pod.pod)
      return preferred.score(node)
    },
    normalizeScore(_state, _pod, scores): void {
      defaultNormalizeScore(scores, false)
    },
  }
}
