/**
 * Validation of the chaos.actorkube.io kinds (ChaosExperiment, ChaosSchedule) with field paths,
 * so `kubectl apply` of a bad experiment prints e.g.
 * `spec.method.faults[2].kind: Unsupported value: "disk-melt": supported values: ...`.
 * A selector that matches nothing is not an error here: what it matches is known only at run
 * time, where it becomes a warning in the experiment's status.
 */
import { FieldPath, duplicate, invalid, notSupported, required, type FieldError } from '../field-errors.ts'
import type { KubeObject } from '../ports.ts'
import { COMPARATORS, HOST_ROLES, LEADERS, PROBE_TYPES, TARGET_MODES } from '../../chaos/api.ts'
import { FAULT_KIND_NAMES, faultKind, type ParamType, type TargetFamily } from '../../chaos/fault-kinds.ts'
import { parseDuration } from '../../chaos/duration.ts'
import { parseMetricQuery } from '../../chaos/metric-expr.ts'
import { parseCronSchedule } from '../../controllers/cron-schedule.ts'

/** Bounds an operator may change (the apiserver's chaos limits); these are the defaults. */
export interface ChaosLimits {
  readonly maxFaultDurationMs: number
  readonly maxRepeat: number
  readonly maxIntervalMs: number
}

export const DEFAULT_CHAOS_LIMITS: ChaosLimits = { maxFaultDurationMs: 3_600_000, maxRepeat: 100, maxIntervalMs: 86_400_000 }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const TARGET_FAMILIES: readonly TargetFamily[] = ['hosts', 'actors', 'leader', 'pods', 'nodes', 'groups']

function name(value: unknown, path: FieldPath, seen: Set<string>): FieldError[] {
  if (typeof value !== 'string' || value === '') return [required(path)]
  if (!DNS_LABEL.test(value) || value.length > 63) return [invalid(path, value, 'must be a lowercase RFC 1123 label (a-z, 0-9, -)')]
  if (seen.has(value)) return [duplicate(path, value)]
  seen.add(value)
  return []
}

/** A duration string, optional unless `need`; `max` in ms bounds it. */
function duration(value: unknown, path: FieldPath, opts: { need?: boolean; max?: number; positive?: boolean } = {}): FieldError[] {
  if (value === undefined) return opts.need ? [required(path)] : []
  const ms = typeof value === 'string' ? parseDuration(value) : undefined
  if (ms === undefined) return [invalid(path, value, 'must be a duration such as "500ms", "30s" or "1m30s"')]
  if (ms < 0 || (opts.positive && ms === 0)) return [invalid(path, value, opts.positive ? 'must be greater than 0' : 'must not be negative')]
  if (opts.max !== undefined && ms > opts.max) return [invalid(path, value, `must be at most ${opts.max / 1000}s (the configured maximum)`)]
  return []
}

function integer(value: unknown, path: FieldPath, min: number, max: number): FieldError[] {
  if (value === undefined) return []
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? [] : [invalid(path, value, `must be an integer between ${min} and ${max}, inclusive`)]
}

function stringList(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return [invalid(path, value, 'must be a list of strings')]
  return value.flatMap((v, i) => (typeof v === 'string' && v !== '' ? [] : [invalid(path.index(i), v, 'must be a non-empty string')]))
}

function labelSelector(value: unknown, path: FieldPath): FieldError[] {
  if (value === undefined) return []
  if (!isObj(value)) return [invalid(path, value, 'must be a label selector ({matchLabels: {...}})')]
  const labels = value.matchLabels
  if (labels === undefined) return []
  if (!isObj(labels)) return [invalid(path.child('matchLabels'), labels, 'must be a map of strings')]
  return Object.entries(labels).flatMap(([k, v]) => (typeof v === 'string' ? [] : [invalid(path.child('matchLabels').key(k), v, 'must be a string')]))
}

function probeCheck(p: Obj, path: FieldPath): FieldError[] {
  const type = p.type as string
  const body = p[type]
  const at = path.child(type)
  if (type === 'store') return body === undefined || isObj(body) ? [] : [invalid(at, body, 'must be an object')]
  if (!isObj(body)) return [required(at, `a ${type} probe needs its ${type} settings`)]
  if (type === 'http') {
    const errors: FieldError[] = []
    if (body.url === undefined && body.service === undefined) errors.push(required(at.child('url'), 'one of url or service'))
    if (body.url !== undefined && (typeof body.url !== 'string' || !/^https?:\/\/./.test(body.url))) errors.push(invalid(at.child('url'), body.url, 'must be an http:// or https:// URL'))
    if (body.service !== undefined && !(isObj(body.service) && typeof body.service.name === 'string' && body.service.name !== '')) errors.push(required(at.child('service').child('name')))
    if (body.method !== undefined && !['GET', 'HEAD', 'POST'].includes(String(body.method))) errors.push(notSupported(at.child('method'), body.method, ['GET', 'HEAD', 'POST']))
    errors.push(...integer(body.expectStatus, at.child('expectStatus'), 100, 599))
    if (body.bodyMatches !== undefined && !validRegExp(body.bodyMatches)) errors.push(invalid(at.child('bodyMatches'), body.bodyMatches, 'must be a regular expression'))
    return errors
  }
  if (type === 'kubernetes') {
    const checks = ['deploymentAvailable', 'podsReady', 'nodeReady'].filter((k) => body[k] !== undefined)
    if (checks.length !== 1) return [invalid(at, Object.keys(body), 'must set exactly one of deploymentAvailable, podsReady, nodeReady')]
    const check = body[checks[0]!]
    const c = at.child(checks[0]!)
    if (!isObj(check)) return [invalid(c, check, 'must be an object')]
    if (checks[0] === 'podsReady') return [...labelSelector(check.selector, c.child('selector')), ...(check.count === undefined ? [required(c.child('count'))] : integer(check.count, c.child('count'), 1, 100_000))]
    return typeof check.name === 'string' && check.name !== '' ? [] : [required(c.child('name'))]
  }
  const errors: FieldError[] = []
  if (typeof body.expr !== 'string' || body.expr.trim() === '') errors.push(required(at.child('expr')))
  else errors.push(...metricExpr(body.expr, at.child('expr')))
  const cmp = body.comparator
  if (!isObj(cmp)) return [...errors, required(at.child('comparator'))]
  if (!COMPARATORS.includes(cmp.op as never)) errors.push(notSupported(at.child('comparator').child('op'), cmp.op, COMPARATORS))
  if (typeof cmp.value !== 'number' || !Number.isFinite(cmp.value)) errors.push(invalid(at.child('comparator').child('value'), cmp.value, 'must be a number'))
  return errors
}

/** Outside the metric probe's PromQL subset (actors/chaos/metric-expr.ts): 422 saying what and where. */
function metricExpr(expr: string, path: FieldPath): FieldError[] {
  try {
    parseMetricQuery(expr)
    return []
  } catch (error) {
    return [invalid(path, expr, error instanceof Error ? error.message : String(error))]
  }
}

function validRegExp(v: unknown): boolean {
  if (typeof v !== 'string') return false
  try {
    new RegExp(v)
    return true
  } catch {
    return false
  }
}

function probe(p: unknown, path: FieldPath, names: Set<string>): FieldError[] {
  if (!isObj(p)) return [invalid(path, p, 'must be an object')]
  const errors = name(p.name, path.child('name'), names)
  if (!PROBE_TYPES.includes(p.type as never)) return [...errors, p.type === undefined ? required(path.child('type')) : notSupported(path.child('type'), p.type, PROBE_TYPES)]
  errors.push(...duration(p.interval, path.child('interval'), { positive: true }), ...duration(p.timeout, path.child('timeout'), { positive: true }))
  errors.push(...integer(p.failureThreshold, path.child('failureThreshold'), 1, 1000), ...integer(p.minAvailabilityPercent, path.child('minAvailabilityPercent'), 0, 100))
  return [...errors, ...probeCheck(p, path)]
}

function param(value: unknown, type: ParamType, path: FieldPath): FieldError[] {
  switch (type) {
    case 'duration':
      return typeof value === 'string' && parseDuration(value) !== undefined ? [] : [invalid(path, value, 'must be a duration such as "200ms"')]
    case 'probability':
      return typeof value === 'number' && value >= 0 && value <= 1 ? [] : [invalid(path, value, 'must be a number between 0 and 1, inclusive')]
    case 'integer':
      return integer(value, path, 0, Number.MAX_SAFE_INTEGER)
    case 'subject':
      return typeof value === 'string' && /^[^\s]+$/.test(value) && value.split('.').every((t, i, all) => t !== '' && (t !== '>' || i === all.length - 1)) ? [] : [invalid(path, value, 'must be a NATS subject pattern (`*` one token, `>` the rest)')]
    case 'string':
      return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')) ? [] : [invalid(path, value, 'must be a string')]
  }
}

function target(t: unknown, path: FieldPath, allowed: readonly TargetFamily[]): FieldError[] {
  if (!isObj(t)) return [required(path)]
  const given = TARGET_FAMILIES.filter((f) => t[f] !== undefined)
  if (given.length === 0) return [required(path, `one of ${allowed.join(', ')}`)]
  if (given.length > 1) return [invalid(path, given, 'must set exactly one selector')]
  const family = given[0]!
  const at = path.child(family)
  if (!allowed.includes(family)) return [notSupported(at, family, allowed)]
  const v = t[family]
  switch (family) {
    case 'leader':
      return LEADERS.includes(v as never) ? [] : [notSupported(at, v, LEADERS)]
    case 'hosts': {
      if (!isObj(v) || (v.names === undefined && v.roles === undefined)) return [required(at.child('names'), 'names or roles')]
      const bad = Array.isArray(v.roles) ? v.roles.flatMap((r, i) => (HOST_ROLES.includes(String(r)) ? [] : [notSupported(at.child('roles').index(i), r, HOST_ROLES)])) : []
      return [...stringList(v.names, at.child('names')), ...stringList(v.roles, at.child('roles')), ...bad]
    }
    case 'actors':
      if (!isObj(v) || typeof v.kind !== 'string' || v.kind === '') return [required(at.child('kind'))]
      return stringList(v.ids, at.child('ids'))
    case 'pods':
      if (!isObj(v)) return [invalid(at, v, 'must be an object')]
      return labelSelector(v.selector, at.child('selector'))
    case 'nodes':
      if (!isObj(v)) return [invalid(at, v, 'must be an object')]
      return labelSelector(v.selector, at.child('selector'))
    case 'groups':
      if (!Array.isArray(v) || v.length < 2) return [invalid(at, v, 'must list at least two groups of host names')]
      return v.flatMap((g, i) => (Array.isArray(g) && g.length > 0 ? stringList(g, at.index(i)) : [invalid(at.index(i), g, 'must be a non-empty list of host names')]))
  }
}

function mode(f: Obj, path: FieldPath): FieldError[] {
  if (f.mode === undefined) return f.value === undefined ? [] : [invalid(path.child('value'), f.value, 'needs mode fixed or percent')]
  if (!TARGET_MODES.includes(f.mode as never)) return [notSupported(path.child('mode'), f.mode, TARGET_MODES)]
  if (f.mode === 'fixed') return f.value === undefined ? [required(path.child('value'))] : integer(f.value, path.child('value'), 1, 100_000)
  if (f.mode === 'percent') return f.value === undefined ? [required(path.child('value'))] : integer(f.value, path.child('value'), 1, 100)
  return f.value === undefined ? [] : [invalid(path.child('value'), f.value, `must not be set with mode ${String(f.mode)}`)]
}

function fault(f: unknown, path: FieldPath, names: Set<string>, limits: ChaosLimits): FieldError[] {
  if (!isObj(f)) return [invalid(path, f, 'must be an object')]
  const errors = name(f.name, path.child('name'), names)
  errors.push(...duration(f.duration, path.child('duration'), { need: true, positive: true, max: limits.maxFaultDurationMs }))
  errors.push(...mode(f, path))
  const info = typeof f.kind === 'string' ? faultKind(f.kind) : undefined
  if (info === undefined) return [...errors, f.kind === undefined ? required(path.child('kind')) : notSupported(path.child('kind'), f.kind, FAULT_KIND_NAMES)]
  errors.push(...target(f.target, path.child('target'), info.targets))
  const params = f.params ?? {}
  if (!isObj(params)) return [...errors, invalid(path.child('params'), params, 'must be an object')]
  for (const key of info.required ?? []) if (params[key] === undefined) errors.push(required(path.child('params').child(key), `${info.kind} needs ${key}`))
  for (const [key, v] of Object.entries(params)) {
    const type = info.params[key]
    errors.push(...(type === undefined ? [notSupported(path.child('params').child(key), key, Object.keys(info.params))] : param(v, type, path.child('params').child(key))))
  }
  return errors
}

function steadyState(s: unknown, path: FieldPath): { errors: FieldError[]; probes: Set<string> } {
  const probes = new Set<string>()
  if (s === undefined) return { errors: [], probes }
  if (!isObj(s)) return { errors: [invalid(path, s, 'must be an object')], probes }
  const errors = duration(s.timeout, path.child('timeout'), { positive: true })
  if (s.probes !== undefined && !Array.isArray(s.probes)) return { errors: [...errors, invalid(path.child('probes'), s.probes, 'must be a list')], probes }
  ;((s.probes as unknown[] | undefined) ?? []).forEach((p, i) => errors.push(...probe(p, path.child('probes').index(i), probes)))
  return { errors, probes }
}

function abort(a: unknown, path: FieldPath, probes: ReadonlySet<string>): FieldError[] {
  if (a === undefined) return []
  if (!isObj(a)) return [invalid(path, a, 'must be an object')]
  const errors: FieldError[] = []
  if (a.onProbeFailure !== undefined && typeof a.onProbeFailure !== 'boolean') errors.push(invalid(path.child('onProbeFailure'), a.onProbeFailure, 'must be a boolean'))
  errors.push(...integer(a.failureThreshold, path.child('failureThreshold'), 1, 1000), ...stringList(a.probes, path.child('probes')))
  if (Array.isArray(a.probes)) a.probes.forEach((p, i) => typeof p === 'string' && !probes.has(p) && errors.push(notSupported(path.child('probes').index(i), p, [...probes])))
  return errors
}

/** The errors of an experiment spec at `path` (`spec`, or a schedule's `spec.experimentTemplate.spec`). */
export function experimentSpecErrors(s: unknown, path: FieldPath, limits: ChaosLimits = DEFAULT_CHAOS_LIMITS): FieldError[] {
  if (!isObj(s)) return [required(path)]
  const state = steadyState(s.steadyState, path.child('steadyState'))
  const errors = [...state.errors]
  const method = s.method
  const m = path.child('method')
  if (!isObj(method)) errors.push(required(m))
  else {
    if (method.mode !== undefined && !['Serial', 'Parallel'].includes(String(method.mode))) errors.push(notSupported(m.child('mode'), method.mode, ['Serial', 'Parallel']))
    if (!Array.isArray(method.faults) || method.faults.length === 0) errors.push(required(m.child('faults'), 'at least one fault'))
    else {
      const names = new Set<string>()
      method.faults.forEach((f, i) => errors.push(...fault(f, m.child('faults').index(i), names, limits)))
    }
  }
  errors.push(...abort(s.abort, path.child('abort'), state.probes))
  errors.push(...duration(s.recoveryTimeout, path.child('recoveryTimeout'), { positive: true, max: limits.maxFaultDurationMs }))
  errors.push(...integer(s.repeat, path.child('repeat'), 1, limits.maxRepeat), ...duration(s.interval, path.child('interval'), { max: limits.maxIntervalMs }))
  errors.push(...integer(s.seed, path.child('seed'), 0, 0xffffffff))
  return errors
}

export const validateChaosExperiment = (o: KubeObject, limits: ChaosLimits = DEFAULT_CHAOS_LIMITS): FieldError[] => experimentSpecErrors(o.spec, FieldPath.root('spec'), limits)

export function validateChaosSchedule(o: KubeObject, limits: ChaosLimits = DEFAULT_CHAOS_LIMITS): FieldError[] {
  const root = FieldPath.root('spec')
  const s = o.spec
  if (!isObj(s)) return [required(root)]
  const errors: FieldError[] = []
  if (typeof s.schedule !== 'string' || s.schedule.trim() === '') errors.push(required(root.child('schedule')))
  else {
    const parsed = parseCronSchedule(s.schedule)
    if (!parsed.ok) errors.push(invalid(root.child('schedule'), s.schedule, parsed.error))
  }
  if (s.concurrencyPolicy !== undefined && !['Allow', 'Forbid'].includes(String(s.concurrencyPolicy))) errors.push(notSupported(root.child('concurrencyPolicy'), s.concurrencyPolicy, ['Allow', 'Forbid']))
  errors.push(...integer(s.historyLimit, root.child('historyLimit'), 0, 1000))
  if (s.suspend !== undefined && typeof s.suspend !== 'boolean') errors.push(invalid(root.child('suspend'), s.suspend, 'must be a boolean'))
  const template = s.experimentTemplate
  if (!isObj(template)) return [...errors, required(root.child('experimentTemplate'))]
  return [...errors, ...experimentSpecErrors(template.spec, root.child('experimentTemplate').child('spec'), limits)]
}

/** The chaos kinds' validators, registered in kinds.ts's VALIDATORS. */
export const CHAOS_VALIDATORS: Readonly<Record<string, (o: KubeObject) => FieldError[]>> = {
  ChaosExperiment: (o) => validateChaosExperiment(o),
  ChaosSchedule: (o) => validateChaosSchedule(o),
}
