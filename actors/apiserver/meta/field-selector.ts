/**
 * Field selectors (k8s.io/apimachinery/pkg/fields/selector.go): `metadata.name=x,spec.nodeName=,
 * status.phase!=Running` with `=`, `==`, `!=`, empty values, and `\,` `\=` `\\` escapes in values.
 * Each resource supports a fixed set of fields (its field label conversion); anything else is
 * `field label not supported: <field>` (a 400 at the apiserver).
 */

export interface FieldRequirement {
  readonly field: string
  readonly operator: '=' | '==' | '!='
  readonly value: string
}

export interface FieldSelector {
  /** Sorted by their text, as Kubernetes sorts the terms. */
  readonly requirements: readonly FieldRequirement[]
  readonly empty: boolean
  /** Match a flat field set (missing fields are ""). */
  matchesFields(fields: Readonly<Record<string, string>>): boolean
  toString(): string
}

export type FieldParseResult = { readonly ok: true; readonly selector: FieldSelector } | { readonly ok: false; readonly error: string }

/** The fields a resource can be selected by, each read from the object as a string ("" when absent). */
export type FieldSet = Readonly<Record<string, (obj: Record<string, unknown>) => string>>

/** Splits on commas not escaped by a backslash (fields.splitTerms). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return []
  const terms: string[] = []
  let start = 0
  let inSlash = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (inSlash) inSlash = false
    else if (c === '\\') inSlash = true
    else if (c === ',') {
      terms.push(s.slice(start, i))
      start = i + 1
    }
  }
  terms.push(s.slice(start))
  return terms
}

const TERM_OPERATORS = ['!=', '==', '='] as const

function splitTerm(term: string): { lhs: string; op: FieldRequirement['operator']; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) }
  }
  return undefined
}

/** fields.UnescapeValue. */
export function unescapeValue(s: string): { ok: true; value: string } | { ok: false; error: string } {
  let out = ''
  let inSlash = false
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c
      else return { ok: false, error: `invalid field selector: invalid escape sequence: \\${c}` }
      inSlash = false
      continue
    }
    if (c === '\\') inSlash = true
    else if (c === ',' || c === '=') return { ok: false, error: `invalid field selector: unescaped character in value: ${c.codePointAt(0)}` }
    else out += c
  }
  if (inSlash) return { ok: false, error: 'invalid field selector: invalid escape sequence: \\' }
  return { ok: true, value: out }
}

/** fields.EscapeValue. */
export const escapeValue = (s: string): string => s.replace(/[\\,=]/g, (c) => `\\${c}`)

function makeSelector(reqs: FieldRequirement[]): FieldSelector {
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matchesFields(fields) {
      return reqs.every((r) => {
        const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? (fields[r.field] ?? '') : ''
        return r.operator === '!=' ? v !== r.value : v === r.value
      })
    },
    toString() {
      return reqs.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`).join(',')
    },
  }
}

/** fields.ParseSelector. An empty string selects everything. */
export function parseFieldSelector(s: string): FieldParseResult {
  const parts = splitTerms(s).sort()
  const reqs: FieldRequirement[] = []
  for (const part of parts) {
    if (part === '') continue
    const t = splitTerm(part)
    if (!t) return { ok: false, error: `invalid selector: '${s}'; can't understand '${part}'` }
    const v = unescapeValue(t.rhs)
    if (!v.ok) return { ok: false, error: v.error }
    reqs.push({ field: t.lhs, operator: t.op, value: v.value })
  }
  return { ok: true, selector: makeSelector(reqs) }
}

/** The first field the resource does not support, as Kubernetes reports it; undefined when all are supported. */
export function unsupportedFieldError(sel: FieldSelector, supported: FieldSet): string | undefined {
  for (const r of sel.requirements) if (!Object.prototype.hasOwnProperty.call(supported, r.field)) return `field label not supported: ${r.field}`
  return undefined
}

/** The object's field set (fields.Set) for the selectable fields. */
export function objectFields(obj: Record<string, unknown>, supported: FieldSet): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, get] of Object.entries(supported)) out[k] = get(obj)
  return out
}

/** Parse and check against the resource's fields in one step: what the list/watch handler needs. */
export function parseFieldSelectorFor(s: string, supported: FieldSet): FieldParseResult {
  const r = parseFieldSelector(s)
  if (!r.ok) return r
  const err = unsupportedFieldError(r.selector, supported)
  return err === undefined ? r : { ok: false, error: err }
}

export const matchesFieldSelector = (sel: FieldSelector, obj: Record<string, unknown>, supported: FieldSet): boolean =>
  sel.empty || sel.matchesFields(objectFields(obj, supported))

// ---- per-resource field sets (the fields each kind's field label conversion accepts) ----

/** Reads a dotted path; scalars become strings (booleans "true"/"false", numbers in decimal), anything else "". */
export function getPath(obj: unknown, path: string): string {
  let cur: unknown = obj
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return ''
    cur = (cur as Record<string, unknown>)[seg]
  }
  if (typeof cur === 'string') return cur
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur)
  return ''
}

const paths = (...names: string[]): FieldSet => Object.fromEntries(names.map((n) => [n, (o: Record<string, unknown>) => getPath(o, n)]))

/** Every resource: metadata.name and metadata.namespace. */
export const METADATA_FIELDS: FieldSet = paths('metadata.name', 'metadata.namespace')

export const POD_FIELDS: FieldSet = {
  ...paths(
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ),
  // Kubernetes reports hostNetwork as "true"/"false" even when unset.
  'spec.hostNetwork': (o) => (getPath(o, 'spec.hostNetwork') === 'true' ? 'true' : 'false'),
}

export const NODE_FIELDS: FieldSet = {
  ...paths('metadata.name'),
  'spec.unschedulable': (o) => (getPath(o, 'spec.unschedulable') === 'true' ? 'true' : 'false'),
}

export const EVENT_FIELDS: FieldSet = {
  ...paths(
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'type',
  ),
  source: (o) => getPath(o, 'source.component'),
}

export const NAMESPACE_FIELDS: FieldSet = paths('metadata.name', 'status.phase')
export const SECRET_FIELDS: FieldSet = paths('metadata.name', 'metadata.namespace', 'type')
export const REPLICASET_FIELDS: FieldSet = paths('metadata.name', 'metadata.namespace', 'status.replicas')
