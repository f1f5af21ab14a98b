/**
 * The metric probe's expressions: a small, documented subset of PromQL with a real parser (a
 * tokenizer and recursive descent, errors with their column) and an evaluator over scrapes of the
 * hosts' /metrics. Pure: scrapes in (actors/chaos/metric-exposition.ts parses the text format),
 * samples out. The subset (docs/chaos.md, "Metric probes"):
 *
 *   query      := vector [ cmp number ]                 a trailing comparison: every sample must pass
 *   vector     := aggregate | range | selector
 *   aggregate  := agg [ by ] "(" vector ")" [ by ]     agg: sum | max | min | count
 *   by         := "by" "(" [ label { "," label } ] ")"
 *   range      := ("rate" | "increase") "(" selector "[" duration "]" ")"
 *   selector   := name [ "{" [ matcher { "," matcher } [","] ] "}" ] | "{" matcher ... "}"
 *   matcher    := label ( "=" | "!=" | "=~" | "!~" ) string   regexes are anchored, as in Prometheus
 *   cmp        := "<" | "<=" | ">" | ">=" | "==" | "!="
 *
 * `rate` and `increase` take two scrapes: the newest and the oldest one inside the window (no
 * extrapolation; a counter that went down was reset, and counts from 0). With no older scrape in
 * the window yet a series has no rate. `sum` and `count` of nothing are 0 (as `sum(x) or
 * vector(0)`); a query that ends with no sample fails the probe.
 */
import { COMPARATORS, type Comparator } from './api.ts'
import { parseDuration } from './duration.ts'

export type MatchOp = '=' | '!=' | '=~' | '!~'
export interface Matcher {
  readonly label: string
  readonly op: MatchOp
  readonly value: string
}
export type Aggregation = 'sum' | 'max' | 'min' | 'count'
export const AGGREGATIONS: readonly Aggregation[] = ['sum', 'max', 'min', 'count']
export const RANGE_FUNCTIONS = ['rate', 'increase'] as const

export type VectorExpr =
  | { readonly type: 'selector'; readonly matchers: readonly Matcher[] }
  | { readonly type: 'range'; readonly fn: (typeof RANGE_FUNCTIONS)[number]; readonly selector: { readonly matchers: readonly Matcher[] }; readonly windowMs: number }
  | { readonly type: 'aggregate'; readonly op: Aggregation; readonly by?: readonly string[]; readonly expr: VectorExpr }

export interface MetricQuery {
  readonly expr: VectorExpr
  readonly compare?: { readonly op: Comparator; readonly value: number }
}

/** A bad expression: what is wrong, and at which column (1-based). */
export class MetricSyntaxError extends Error {
  override readonly name = 'MetricSyntaxError'
  readonly column: number
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`)
    this.column = column
  }
}

type TokenType = 'ident' | 'string' | 'number' | 'duration' | 'punct' | 'end'
interface Token {
  readonly type: TokenType
  readonly text: string
  readonly at: number
}

const PUNCT = ['=~', '!~', '!=', '<=', '>=', '==', '{', '}', '(', ')', '[', ']', ',', '=', '<', '>']
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y
const DURATION = /\d+(?:ms|s|m|h)/y

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i
    return re.exec(text)?.[0]
  }
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const at = i + 1
    if (c === '"' || c === "'") {
      let value = ''
      let j = i + 1
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const next = text[j + 1]!
          value += next === 'n' ? '\n' : next
          j += 2
        } else value += text[j++]
      }
      if (j >= text.length) throw new MetricSyntaxError('unterminated string', at)
      tokens.push({ type: 'string', text: value, at })
      i = j + 1
      continue
    }
    const duration = match(DURATION)
    if (duration !== undefined && !/[a-zA-Z0-9_]/.test(text[i + duration.length] ?? '')) {
      tokens.push({ type: 'duration', text: duration, at })
      i += duration.length
      continue
    }
    const number = match(NUMBER)
    if (number !== undefined && !/[a-zA-Z_]/.test(text[i + number.length] ?? '')) {
      tokens.push({ type: 'number', text: number, at })
      i += number.length
      continue
    }
    const ident = match(IDENT)
    if (ident !== undefined) {
      tokens.push({ type: 'ident', text: ident, at })
      i += ident.length
      continue
    }
    const punct = PUNCT.find((p) => text.startsWith(p, i))
    if (punct === undefined) throw new MetricSyntaxError(`unexpected character ${JSON.stringify(c)}`, at)
    tokens.push({ type: 'punct', text: punct, at })
    i += punct.length
  }
  tokens.push({ type: 'end', text: '', at: text.length + 1 })
  return tokens
}

class Parser {
  readonly #tokens: Token[]
  #i = 0

  constructor(text: string) {
    this.#tokens = tokenize(text)
  }

  get #peek(): Token {
    return this.#tokens[this.#i]!
  }

  #next(): Token {
    return this.#tokens[this.#i++]!
  }

  #is(type: TokenType, text?: string): boolean {
    return this.#peek.type === type && (text === undefined || this.#peek.text === text)
  }

  #expect(type: TokenType, text?: string, what = text ?? type): Token {
    if (!this.#is(type, text)) throw new MetricSyntaxError(`expected ${what}, found ${describe(this.#peek)}`, this.#peek.at)
    return this.#next()
  }

  query(): MetricQuery {
    const expr = this.#vector()
    let compare: MetricQuery['compare']
    if (this.#is('punct') && COMPARATORS.includes(this.#peek.text as Comparator)) {
      const op = this.#next().text as Comparator
      const value = this.#expect('number', undefined, 'a number')
      compare = { op, value: Number(value.text) }
    }
    this.#expect('end', undefined, 'the end of the expression (supported: selectors, sum/max/min/count [by (...)], rate/increase(x[window]), a trailing comparison with a number)')
    return compare === undefined ? { expr } : { expr, compare }
  }

  #vector(): VectorExpr {
    const t = this.#peek
    if (t.type === 'ident' && AGGREGATIONS.includes(t.text as Aggregation) && this.#tokens[this.#i + 1]?.text !== '{') return this.#aggregate()
    if (t.type === 'ident' && (RANGE_FUNCTIONS as readonly string[]).includes(t.text) && this.#tokens[this.#i + 1]?.text === '(') return this.#range()
    if (t.type === 'ident' && this.#tokens[this.#i + 1]?.text === '(') throw new MetricSyntaxError(`unsupported function ${t.text}: supported are ${[...AGGREGATIONS, ...RANGE_FUNCTIONS].join(', ')}`, t.at)
    return { type: 'selector', matchers: this.#selector() }
  }

  #aggregate(): VectorExpr {
    const op = this.#next().text as Aggregation
    let by = this.#is('ident', 'by') ? this.#by() : undefined
    if (this.#is('ident', 'without')) throw new MetricSyntaxError('unsupported: without (...); use by (...)', this.#peek.at)
    this.#expect('punct', '(')
    const expr = this.#vector()
    this.#expect('punct', ')')
    if (this.#is('ident', 'by')) {
      if (by !== undefined) throw new MetricSyntaxError('by (...) given twice', this.#peek.at)
      by = this.#by()
    }
    return by === undefined ? { type: 'aggregate', op, expr } : { type: 'aggregate', op, by, expr }
  }

  #by(): string[] {
    this.#next()
    this.#expect('punct', '(')
    const labels: string[] = []
    while (!this.#is('punct', ')')) {
      labels.push(this.#expect('ident', undefined, 'a label name').text)
      if (!this.#is('punct', ')')) this.#expect('punct', ',', "',' or ')'")
    }
    this.#next()
    return labels
  }

  #range(): VectorExpr {
    const fn = this.#next().text as (typeof RANGE_FUNCTIONS)[number]
    this.#expect('punct', '(')
    const matchers = this.#selector()
    this.#expect('punct', '[', undefined)
    const window = this.#expect('duration', undefined, 'a duration like 30s')
    this.#expect('punct', ']')
    this.#expect('punct', ')')
    return { type: 'range', fn, selector: { matchers }, windowMs: parseDuration(window.text)! }
  }

  #selector(): Matcher[] {
    const matchers: Matcher[] = []
    if (this.#is('ident')) matchers.push({ label: '__name__', op: '=', value: this.#next().text })
    else if (!this.#is('punct', '{')) throw new MetricSyntaxError(`expected a metric name or '{', found ${describe(this.#peek)}`, this.#peek.at)
    if (this.#is('punct', '{')) {
      this.#next()
      while (!this.#is('punct', '}')) {
        matchers.push(this.#matcher())
        if (!this.#is('punct', '}')) this.#expect('punct', ',', "',' or '}'")
      }
      this.#next()
    }
    if (matchers.length === 0) throw new MetricSyntaxError('a selector needs a metric name or at least one matcher', this.#peek.at)
    return matchers
  }

  #matcher(): Matcher {
    const label = this.#expect('ident', undefined, 'a label name').text
    const opToken = this.#peek
    if (!(opToken.type === 'punct' && ['=', '!=', '=~', '!~'].includes(opToken.text))) throw new MetricSyntaxError(`expected one of = != =~ !~, found ${describe(opToken)}`, opToken.at)
    this.#next()
    const value = this.#expect('string', undefined, 'a quoted string')
    if (opToken.text.endsWith('~')) {
      try {
        new RegExp(`^(?:${value.text})$`)
      } catch {
        throw new MetricSyntaxError(`invalid regular expression ${JSON.stringify(value.text)}`, value.at)
      }
    }
    return { label, op: opToken.text as MatchOp, value: value.text }
  }
}

const describe = (t: Token): string => (t.type === 'end' ? 'the end' : t.type === 'string' ? `the string ${JSON.stringify(t.text)}` : `'${t.text}'`)

/** Parses a metric probe's expression; throws MetricSyntaxError (with its column) on anything outside the subset. */
export function parseMetricQuery(text: string): MetricQuery {
  return new Parser(text).query()
}

/** One sample of a scrape: its metric name, labels and value. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Every host's samples at one time. */
export interface Scrape {
  readonly at: number
  readonly samples: readonly Sample[]
}

export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const matches = (m: Matcher, value: string): boolean => {
  switch (m.op) {
    case '=':
      return value === m.value
    case '!=':
      return value !== m.value
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(value)
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value)
  }
}
const selects = (matchers: readonly Matcher[], s: Sample): boolean => matchers.every((m) => matches(m, m.label === '__name__' ? s.name : (s.labels[m.label] ?? '')))
const seriesKey = (s: Sample): string => JSON.stringify([s.name, Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))])

/** The value of an expression over scrapes (oldest first; the last is now). */
export function evaluate(expr: VectorExpr, scrapes: readonly Scrape[]): VectorSample[] {
  const now = scrapes.at(-1)
  if (now === undefined) return []
  switch (expr.type) {
    case 'selector':
      return now.samples.filter((s) => selects(expr.matchers, s)).map((s) => ({ labels: s.labels, value: s.value }))
    case 'range':
      return rangeOf(expr, scrapes, now)
    case 'aggregate':
      return aggregate(expr.op, expr.by, evaluate(expr.expr, scrapes))
  }
}

function rangeOf(expr: Extract<VectorExpr, { type: 'range' }>, scrapes: readonly Scrape[], now: Scrape): VectorSample[] {
  const earlier = scrapes.find((s) => s.at < now.at && s.at >= now.at - expr.windowMs)
  if (earlier === undefined) return []
  const before = new Map(earlier.samples.filter((s) => selects(expr.selector.matchers, s)).map((s) => [seriesKey(s), s.value]))
  const out: VectorSample[] = []
  for (const s of now.samples) {
    if (!selects(expr.selector.matchers, s)) continue
    const first = before.get(seriesKey(s))
    if (first === undefined) continue
    const increase = s.value >= first ? s.value - first : s.value
    const labels = Object.fromEntries(Object.entries(s.labels))
    out.push({ labels, value: expr.fn === 'increase' ? increase : increase / ((now.at - earlier.at) / 1000) })
  }
  return out
}

function aggregate(op: Aggregation, by: readonly string[] | undefined, input: readonly VectorSample[]): VectorSample[] {
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>()
  for (const s of input) {
    const labels = Object.fromEntries((by ?? []).filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]!]))
    const key = JSON.stringify((by ?? []).map((l) => s.labels[l] ?? ''))
    const group = groups.get(key) ?? { labels, values: [] }
    group.values.push(s.value)
    groups.set(key, group)
  }
  if (groups.size === 0 && (by === undefined || by.length === 0) && (op === 'sum' || op === 'count')) return [{ labels: {}, value: 0 }]
  return [...groups.values()].map(({ labels, values }) => ({ labels, value: fold(op, values) }))
}

const fold = (op: Aggregation, values: readonly number[]): number => (op === 'sum' ? values.reduce((a, b) => a + b, 0) : op === 'count' ? values.length : op === 'max' ? Math.max(...values) : Math.min(...values))

export function compare(value: number, op: Comparator, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound
    case '<=':
      return value <= bound
    case '>':
      return value > bound
    case '>=':
      return value >= bound
    case '==':
      return value === bound
    case '!=':
      return value !== bound
  }
}

const shown = (s: VectorSample): string => `${Object.keys(s.labels).length === 0 ? '' : `{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}} `}${s.value}`

/** One probe run's verdict: every sample of the query passes its own comparison (if any) and the probe's comparator. */
export function checkMetricQuery(query: MetricQuery, comparator: { readonly op: Comparator; readonly value: number }, scrapes: readonly Scrape[]): { readonly ok: boolean; readonly error?: string } {
  const samples = evaluate(query.expr, scrapes)
  if (samples.length === 0) return { ok: false, error: 'the expression has no samples' }
  const checks = [...(query.compare !== undefined ? [query.compare] : []), comparator]
  const failing = samples.find((s) => checks.some((c) => !compare(s.value, c.op, c.value)))
  return failing === undefined ? { ok: true } : { ok: false, error: `${shown(failing)} is not ${checks.map((c) => `${c.op} ${c.value}`).join(' and ')}` }
}

/** The longest window any range function of the query looks back. */
export function lookbackMs(expr: VectorExpr): number {
  return expr.type === 'range' ? expr.windowMs : expr.type === 'aggregate' ? lookbackMs(expr.expr) : 0
}
