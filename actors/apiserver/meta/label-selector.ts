/**
 * Label selectors (k8s.io/apimachinery/pkg/labels/selector.go): the string form of
 * `?labelSelector=` (`a=b,c!=d,e in (x,y),f notin (z),g,!h`, also `==`, `a>1`, `a<1`) with
 * Kubernetes' lexer, parser and error wording, and metav1.LabelSelector objects
 * (matchLabels + matchExpressions) converted to the same matcher.
 */
import { isQualifiedName, isValidLabelValue } from './names.ts'

export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt'

export interface Requirement {
  readonly key: string
  readonly operator: Operator
  /** Sorted and de-duplicated, as Kubernetes' sets.String.List(). */
  readonly values: readonly string[]
}

export interface LabelSelector {
  readonly requirements: readonly Requirement[]
  /** True for labels.Nothing() (a nil metav1.LabelSelector): matches no object. */
  readonly nothing: boolean
  /** Matches everything (no requirements and not `nothing`). */
  readonly empty: boolean
  matches(labels: Readonly<Record<string, string>> | undefined): boolean
  /** Canonical string form (requirements sorted by key), as labels.Selector.String(). */
  toString(): string
}

export type ParseResult = { readonly ok: true; readonly selector: LabelSelector } | { readonly ok: false; readonly error: string }

const has = (labels: Readonly<Record<string, string>>, k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k)

export function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const present = has(labels, r.key)
  const value = present ? labels[r.key] : undefined
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return present && r.values.includes(value ?? '')
    case '!=':
    case 'notin':
      return !present || !r.values.includes(value ?? '')
    case 'exists':
      return present
    case '!':
      return !present
    case 'gt':
    case 'lt': {
      if (!present || !/^[+-]?\d+$/.test(value ?? '')) return false
      const lv = BigInt(value ?? '0')
      const rv = BigInt(r.values[0] ?? '0')
      return r.operator === 'gt' ? lv > rv : lv < rv
    }
  }
}

export function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key
    case '!':
      return `!${r.key}`
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`
    case 'gt':
      return `${r.key}>${r.values[0] ?? ''}`
    case 'lt':
      return `${r.key}<${r.values[0] ?? ''}`
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`
  }
}

const byKey = (a: Requirement, b: Requirement): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

function makeSelector(requirements: Requirement[], nothing = false): LabelSelector {
  const reqs = [...requirements].sort(byKey)
  return {
    requirements: reqs,
    nothing,
    empty: !nothing && reqs.length === 0,
    matches(labels) {
      if (nothing) return false
      const l = labels ?? {}
      return reqs.every((r) => matchesRequirement(r, l))
    },
    toString() {
      return reqs.map(requirementString).join(',')
    },
  }
}

/** labels.Everything(). */
export const everything = (): LabelSelector => makeSelector([])
/** labels.Nothing(). */
export const nothing = (): LabelSelector => makeSelector([], true)

/** utilerrors aggregate wording: one message bare, several in brackets. */
const aggregate = (msgs: string[]): string => (msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`)

/** `Invalid value: "x": ...` as field.Invalid prints it, prefixed by the path (Go prints a nil path as `<nil>`). */
const invalidText = (path: string, value: string, detail: string): string => `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`

function validateKey(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key)
  return errs.length === 0 ? undefined : invalidText(path, key, errs.join('; '))
}

/** labels.NewRequirement: validates key, operator arity and values; returns the requirement or the error text. */
export function newRequirement(key: string, operator: Operator, values: readonly string[]): { ok: true; requirement: Requirement } | { ok: false; error: string } {
  const errs: string[] = []
  const keyErr = validateKey(key, 'key')
  if (keyErr) errs.push(keyErr)
  const show = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(`values: Invalid value: ${show}: for 'in', 'notin' operators, values set can't be empty`)
      break
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(`values: Invalid value: ${show}: exact-match compatibility requires one single value`)
      break
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(`values: Invalid value: ${show}: values set must be empty for exists and does not exist`)
      break
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(`values: Invalid value: ${show}: for 'Gt', 'Lt' operators, exactly one value is required`)
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalidText(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"))
      })
      break
  }
  values.forEach((v, i) => {
    const vErrs = isValidLabelValue(v)
    if (vErrs.length > 0) errs.push(invalidText(`values[${i}][${key}]`, v, vErrs.join('; ')))
  })
  if (errs.length > 0) return { ok: false, error: aggregate(errs) }
  return { ok: true, requirement: { key, operator, values: [...new Set(values)].sort() } }
}

// ---- lexer (labels.Lexer) ----

type Tok = 'id' | 'eos' | 'error' | ',' | '(' | ')' | '!' | '=' | '==' | '!=' | '>' | '<' | 'in' | 'notin'

interface Item {
  readonly tok: Tok
  readonly lit: string
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<'])
const WHITESPACE = new Set([' ', '\t', '\r', '\n'])
const SYMBOLS: Record<string, Tok> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', '<': '<', '!=': '!=', '(': '(' }
const KEYWORDS: Record<string, Tok> = { in: 'in', notin: 'notin' }

function lex(s: string): Item[] {
  const items: Item[] = []
  let pos = 0
  for (;;) {
    while (pos < s.length && WHITESPACE.has(s[pos] ?? '')) pos++
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' })
      return items
    }
    const ch = s[pos] ?? ''
    if (SPECIAL.has(ch)) {
      // Longest special symbol that is a token ("!=" over "!", "==" over "=").
      let buffer = ''
      let last: Item | undefined
      while (pos < s.length && SPECIAL.has(s[pos] ?? '')) {
        const next = buffer + (s[pos] ?? '')
        const tok = SYMBOLS[next]
        if (tok !== undefined) {
          last = { tok, lit: next }
          buffer = next
          pos++
        } else if (last !== undefined) {
          break
        } else {
          buffer = next
          pos++
        }
      }
      if (last === undefined) {
        items.push({ tok: 'error', lit: `error expected: keyword found '${buffer}'` })
        // Kubernetes' parser stops at the error token's report; keep lexing to the end.
        continue
      }
      items.push(last)
      continue
    }
    let id = ''
    while (pos < s.length && !SPECIAL.has(s[pos] ?? '') && !WHITESPACE.has(s[pos] ?? '')) id += s[pos++]
    items.push({ tok: KEYWORDS[id] ?? 'id', lit: id })
  }
}

// ---- parser (labels.Parser) ----

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt']

class Parser {
  #items: Item[]
  #pos = 0

  constructor(s: string) {
    this.#items = lex(s)
  }

  /** In the Values context the keywords in/notin are identifiers. */
  lookahead(values: boolean): Item {
    const it = this.#items[this.#pos] ?? { tok: 'eos', lit: '' }
    if (values && (it.tok === 'in' || it.tok === 'notin')) return { tok: 'id', lit: it.lit }
    return it
  }

  consume(values: boolean): Item {
    const it = this.lookahead(values)
    if (this.#pos < this.#items.length - 1) this.#pos++
    return it
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = []
    for (;;) {
      const { tok, lit } = this.lookahead(true)
      if (tok === 'id' || tok === '!') {
        let r: Requirement
        try {
          r = this.requirement()
        } catch (e) {
          throw new Error(`unable to parse requirement: ${(e as Error).message}`)
        }
        reqs.push(r)
        const t = this.consume(true)
        if (t.tok === 'eos') return reqs
        if (t.tok === ',') {
          const t2 = this.lookahead(true)
          if (t2.tok !== 'id' && t2.tok !== '!') throw new Error(`found '${t2.lit}', expected: identifier after ','`)
        } else throw new Error(`found '${t.lit}', expected: ',' or 'end of string'`)
      } else if (tok === 'eos') {
        return reqs
      } else throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`)
    }
  }

  requirement(): Requirement {
    let op: Operator | undefined
    let t = this.consume(true)
    if (t.tok === '!') {
      op = '!'
      t = this.consume(true)
    }
    if (t.tok !== 'id') throw new Error(`found '${t.lit}', expected: identifier`)
    const key = t.lit
    const keyErr = validateKey(key, '<nil>')
    if (keyErr) throw new Error(keyErr)
    const next = this.lookahead(true).tok
    if (next === 'eos' || next === ',') op = op ?? 'exists'
    if (op === 'exists' || op === '!') return unwrap(newRequirement(key, op, []))
    const o = this.consume(false)
    let operator: Operator
    switch (o.tok) {
      case 'in':
        operator = 'in'
        break
      case 'notin':
        operator = 'notin'
        break
      case '=':
        operator = '='
        break
      case '==':
        operator = '=='
        break
      case '!=':
        operator = '!='
        break
      case '>':
        operator = 'gt'
        break
      case '<':
        operator = 'lt'
        break
      default:
        throw new Error(`found '${o.lit}', expected: ${BINARY_OPERATORS.join(', ')}`)
    }
    const values = operator === 'in' || operator === 'notin' ? this.setValues() : this.exactValue()
    return unwrap(newRequirement(key, operator, values))
  }

  setValues(): string[] {
    const open = this.consume(true)
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`)
    const { tok, lit } = this.lookahead(true)
    if (tok === 'id' || tok === ',') {
      const s = this.identifiers()
      if (this.consume(true).tok !== ')') throw new Error(`found '${lit}', expected: ')'`)
      return s
    }
    if (tok === ')') {
      this.consume(true)
      return ['']
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`)
  }

  identifiers(): string[] {
    const s = new Set<string>()
    for (;;) {
      const { tok, lit } = this.consume(true)
      if (tok === 'id') {
        s.add(lit)
        const t2 = this.lookahead(true)
        if (t2.tok === ',') continue
        if (t2.tok === ')') return [...s]
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`)
      } else if (tok === ',') {
        if (s.size === 0) s.add('')
        const t2 = this.lookahead(true)
        if (t2.tok === ')') {
          s.add('')
          return [...s]
        }
        if (t2.tok === ',') {
          this.consume(true)
          s.add('')
        }
      } else throw new Error(`found '${lit}', expected: ',', or identifier`)
    }
  }

  exactValue(): string[] {
    const t = this.lookahead(true)
    if (t.tok === 'eos' || t.tok === ',') return ['']
    const v = this.consume(true)
    if (v.tok === 'id') return [v.lit]
    throw new Error(`found '${v.lit}', expected: identifier`)
  }
}

function unwrap(r: ReturnType<typeof newRequirement>): Requirement {
  if (!r.ok) throw new Error(r.error)
  return r.requirement
}

/**
 * labels.Parse: the `?labelSelector=` string. An empty (or all-whitespace) string selects everything.
 * Errors carry Kubernetes' wording, e.g. `unable to parse requirement: found '', expected: '('`;
 * the apiserver answers them with a 400 BadRequest.
 */
export function parseLabelSelector(s: string): ParseResult {
  try {
    return { ok: true, selector: makeSelector(new Parser(s).parse()) }
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
}

export interface LabelSelectorRequirementObject {
  readonly key: string
  readonly operator: string
  readonly values?: readonly string[] | null
}

/** metav1.LabelSelector. */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>> | null
  readonly matchExpressions?: readonly LabelSelectorRequirementObject[] | null
}

const EXPRESSION_OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' }

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector everything;
 * matchLabels are `key=value` requirements, matchExpressions In/NotIn/Exists/DoesNotExist.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): ParseResult {
  if (sel === null || sel === undefined) return { ok: true, selector: nothing() }
  const reqs: Requirement[] = []
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const r = newRequirement(k, '=', [v])
    if (!r.ok) return { ok: false, error: r.error }
    reqs.push(r.requirement)
  }
  for (const expr of sel.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator]
    if (op === undefined) return { ok: false, error: `${JSON.stringify(expr.operator)} is not a valid label selector operator` }
    const r = newRequirement(expr.key, op, expr.values ?? [])
    if (!r.ok) return { ok: false, error: r.error }
    reqs.push(r.requirement)
  }
  return { ok: true, selector: makeSelector(reqs) }
}
