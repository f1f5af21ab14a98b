/**
 * ObjectMeta validation and the system-field bookkeeping of create and update
 * (apimachinery/pkg/api/validation/objectmeta.go, apiserver/pkg/registry/rest/create.go and update.go).
 * Pure: time, uids and randomness are passed in; inputs are never mutated.
 */
import { type FieldError, FieldPath, forbidden, invalid, required } from '../field-errors.ts'
import {
  generateName,
  isDNS1123Label,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateLabels,
  isQualifiedName,
  type ValidateNameFunc,
} from './names.ts'

export interface OwnerReference {
  apiVersion?: string
  kind?: string
  name?: string
  uid?: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string | null
  deletionTimestamp?: string | null
  deletionGracePeriodSeconds?: number | null
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  finalizers?: string[]
  managedFields?: unknown[]
  selfLink?: string
  [key: string]: unknown
}

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  [key: string]: unknown
}

export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable'
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan'
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion'

/** Owners Kubernetes refuses (BannedOwners): core v1 Events. */
const BANNED_OWNERS = new Set(['/v1, Kind=Event'])

const metadataPath = FieldPath.root('metadata')

/** schema.FromAPIVersionAndKind + GroupVersionKind.String(). */
function gvk(apiVersion: string, kind: string): { group: string; version: string; text: string } {
  const parts = apiVersion.split('/')
  // ParseGroupVersion: "v1" is the core group, "g/v" a group; more slashes is an error (empty group and version).
  const [group, version] = apiVersion === '/' ? ['', ''] : parts.length === 1 ? ['', apiVersion] : parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : ['', '']
  return { group, version, text: `${group}/${version}, Kind=${kind}` }
}

/** Go's %v of a []OwnerReference is not reproducible; fields hold the JSON value instead. */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = []
  if (!refs) return errs
  let firstController = ''
  for (const ref of refs) {
    const apiVersion = ref.apiVersion ?? ''
    const kind = ref.kind ?? ''
    const g = gvk(apiVersion, kind)
    if (g.version === '') errs.push(invalid(path.child('apiVersion'), apiVersion, 'version must not be empty'))
    if (kind === '') errs.push(invalid(path.child('kind'), kind, 'must not be empty'))
    if ((ref.name ?? '') === '') errs.push(invalid(path.child('name'), ref.name ?? '', 'must not be empty'))
    if ((ref.uid ?? '') === '') errs.push(invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'))
    if (BANNED_OWNERS.has(g.text)) errs.push(invalid(path, ref, `${g.text} is disallowed from being an owner`))
    if (ref.controller === true) {
      const current = `${kind}/${ref.name ?? ''}`
      if (firstController !== '') {
        errs.push(
          invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`),
        )
      } else firstController = current
    }
  }
  return errs
}

export function validateFinalizers(finalizers: readonly string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = []
  if (!finalizers) return errs
  for (const f of finalizers) for (const msg of isQualifiedName(f)) errs.push(invalid(path, f, msg))
  if (finalizers.includes(FINALIZER_ORPHAN_DEPENDENTS) && finalizers.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(invalid(path, finalizers, `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`))
  }
  return errs
}

export interface ValidateObjectMetaOptions {
  /** Namespaced kinds require metadata.namespace; cluster-scoped kinds forbid it. */
  readonly namespaced: boolean
  /** Where the metadata sits; `metadata` by default. */
  readonly path?: FieldPath
  /** The kind's name rule; DNS-1123 subdomain by default (nameIsDNSLabel for namespaces, nameIsDNS1035Label for services). */
  readonly nameFn?: ValidateNameFunc
}

/** ValidateObjectMetaAccessor. */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ValidateObjectMetaOptions): FieldError[] {
  const m = meta ?? {}
  const path = opts.path ?? metadataPath
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain
  const errs: FieldError[] = []
  const generate = m.generateName ?? ''
  if (generate !== '') for (const msg of nameFn(generate, true)) errs.push(invalid(path.child('generateName'), generate, msg))
  const name = m.name ?? ''
  if (name === '') errs.push(required(path.child('name'), 'name or generateName is required'))
  else for (const msg of nameFn(name, false)) errs.push(invalid(path.child('name'), name, msg))
  const ns = m.namespace ?? ''
  if (opts.namespaced) {
    if (ns === '') errs.push(required(path.child('namespace')))
    else for (const msg of isDNS1123Label(ns)) errs.push(invalid(path.child('namespace'), ns, msg))
  } else if (ns !== '') {
    errs.push(forbidden(path.child('namespace'), 'not allowed on this type'))
  }
  if (m.generation !== undefined && m.generation < 0) errs.push(invalid(path.child('generation'), m.generation, 'must be greater than or equal to 0'))
  errs.push(...validateLabels(m.labels, path.child('labels')))
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')))
  errs.push(...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')))
  errs.push(...validateFinalizers(m.finalizers, path.child('finalizers')))
  return errs
}

/** ValidateImmutableField. */
function immutable(newValue: unknown, oldValue: unknown, path: FieldPath): FieldError[] {
  return semanticEqual(newValue, oldValue) ? [] : [invalid(path, newValue ?? null, FIELD_IMMUTABLE_ERROR_MSG)]
}

/** ValidateObjectMetaAccessorUpdate (after prepareForUpdate has carried the system fields over). */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path: FieldPath = metadataPath): FieldError[] {
  const n = newMeta ?? {}
  const o = oldMeta ?? {}
  const errs: FieldError[] = []
  if (o.deletionTimestamp) {
    const before = new Set(o.finalizers ?? [])
    const added = (n.finalizers ?? []).filter((f) => !before.has(f))
    if (added.length > 0) errs.push(forbidden(path.child('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`))
  }
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(invalid(path.child('generation'), n.generation ?? 0, 'must not be decremented'))
  errs.push(...immutable(n.name ?? '', o.name ?? '', path.child('name')))
  errs.push(...immutable(n.namespace ?? '', o.namespace ?? '', path.child('namespace')))
  errs.push(...immutable(n.uid ?? '', o.uid ?? '', path.child('uid')))
  errs.push(...immutable(n.creationTimestamp ?? null, o.creationTimestamp ?? null, path.child('creationTimestamp')))
  errs.push(...immutable(n.deletionTimestamp ?? null, o.deletionTimestamp ?? null, path.child('deletionTimestamp')))
  errs.push(...immutable(n.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds ?? null, path.child('deletionGracePeriodSeconds')))
  errs.push(...validateLabels(n.labels, path.child('labels')))
  errs.push(...validateAnnotations(n.annotations, path.child('annotations')))
  errs.push(...validateOwnerReferences(n.ownerReferences, path.child('ownerReferences')))
  return errs
}

/** Go zero values: an absent field equals its zero value ("", 0, false, empty list or map), as apimachinery's Semantic.DeepEqual does for typed structs. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true
  if (Array.isArray(v)) return v.length === 0
  if (typeof v === 'object') return Object.keys(v).length === 0
  return false
}

/** Deep equality over JSON values where absent/null equals a zero value and nil equals empty. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === undefined || a === null || b === undefined || b === null) return isZero(a) && isZero(b)
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => semanticEqual(x, b[i]))
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>
    const bo = b as Record<string, unknown>
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)])
    for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false
    return true
  }
  return false
}

/** metav1.Time's wire format: RFC 3339 in UTC, whole seconds (`2024-05-01T12:00:00Z`). */
export function rfc3339Seconds(now: string | number): string {
  const ms = typeof now === 'number' ? now : Date.parse(now)
  if (!Number.isFinite(ms)) throw new RangeError(`invalid time: ${String(now)}`)
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T))

export interface PrepareForCreateOptions {
  /** The current time (ISO string or epoch ms). */
  readonly now: string | number
  /** A fresh uid (a UUID in Kubernetes). */
  readonly uid: () => string
  /** Float in [0, 1), for generateName. */
  readonly random: () => number
  /** Drop `status` (what most kinds' PrepareForCreate does: status is written through the status subresource). */
  readonly resetStatus?: boolean
}

/**
 * rest.BeforeCreate + FillObjectMetaSystemFields: name from generateName when no name, a new uid,
 * creationTimestamp now, generation 1; deletionTimestamp, deletionGracePeriodSeconds,
 * resourceVersion (set later from the store revision), selfLink and managedFields cleared.
 */
export function prepareForCreate<T extends KubeObject>(obj: T, opts: PrepareForCreateOptions): T & { metadata: ObjectMeta } {
  const out = clone(obj) as T & { metadata: ObjectMeta }
  const meta: ObjectMeta = { ...(out.metadata ?? {}) }
  if ((meta.generateName ?? '') !== '' && (meta.name ?? '') === '') meta.name = generateName(meta.generateName ?? '', opts.random)
  meta.uid = opts.uid()
  meta.creationTimestamp = rfc3339Seconds(opts.now)
  meta.generation = 1
  delete meta.deletionTimestamp
  delete meta.deletionGracePeriodSeconds
  delete meta.resourceVersion
  delete meta.selfLink
  delete meta.managedFields
  out.metadata = meta
  if (opts.resetStatus) delete out.status
  return out
}

export interface PrepareForUpdateOptions {
  /**
   * Top-level fields copied from the old object, as strategies do: a main-resource update of a kind
   * with a status subresource keeps the old `status` (['status']); a status update keeps the old
   * `spec` (['spec']).
   */
  readonly carryOver?: readonly string[]
  /** Top-level fields whose change bumps metadata.generation; ['spec'] by default. */
  readonly generationFields?: readonly string[]
}

export interface PreparedUpdate<T> {
  readonly object: T & { metadata: ObjectMeta }
  /** Immutable-field violations (name, namespace, uid, creationTimestamp, ...); non-empty means 422. */
  readonly errors: FieldError[]
}

/**
 * rest.BeforeUpdate: generation comes from the old object (clients cannot set it) and is bumped when
 * the spec changed (semantic deep compare of the generation fields only); an absent uid is taken
 * from the old object; creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds are carried
 * over; then ValidateObjectMetaAccessorUpdate reports name/namespace/uid changes as 'field is immutable'.
 */
export function prepareForUpdate<T extends KubeObject>(old: KubeObject, next: T, opts: PrepareForUpdateOptions = {}): PreparedUpdate<T> {
  const out = clone(next) as T & { metadata: ObjectMeta }
  const src = out as Record<string, unknown>
  const prev = old as Record<string, unknown>
  for (const f of opts.carryOver ?? []) {
    if (prev[f] === undefined) delete src[f]
    else src[f] = clone(prev[f])
  }
  const oldMeta = old.metadata ?? {}
  const meta: ObjectMeta = { ...(out.metadata ?? {}) }
  const fields = opts.generationFields ?? ['spec']
  const changed = fields.some((f) => !semanticEqual(src[f], prev[f]))
  if (oldMeta.generation === undefined) delete meta.generation
  else meta.generation = oldMeta.generation
  if (changed) meta.generation = (oldMeta.generation ?? 0) + 1
  if ((meta.uid ?? '') === '' && oldMeta.uid !== undefined) meta.uid = oldMeta.uid
  if (oldMeta.creationTimestamp) meta.creationTimestamp = oldMeta.creationTimestamp
  if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp
  if (oldMeta.deletionGracePeriodSeconds != null && meta.deletionGracePeriodSeconds == null) {
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds
  }
  delete meta.selfLink
  out.metadata = meta
  return { object: out, errors: validateObjectMetaUpdate(meta, oldMeta) }
}
