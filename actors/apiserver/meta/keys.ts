/**
 * Store keys for API objects and the resourceVersion <-> store modRevision mapping.
 *
 * Keys: `/registry/<group-or-core>/<resource>/<namespace>/<name>` for namespaced kinds,
 * `/registry/<group-or-core>/<resource>/<name>` for cluster-scoped ones. List and watch read a
 * prefix: every namespace (`/registry/core/pods/`) or one (`/registry/core/pods/default/`).
 * The trailing slash keeps `pods` from matching `podtemplates` and `default` from `default2`.
 */
import { badRequest, type StatusError } from './status.ts'

export const REGISTRY_ROOT = '/registry'

export interface ResourceRef {
  /** API group; '' (or 'core') for the legacy core group. */
  readonly group?: string
  /** Plural resource name: `pods`, `deployments`. */
  readonly resource: string
}

const groupSegment = (group: string | undefined): string => (group === undefined || group === '' ? 'core' : group)

function checkSegment(kind: string, s: string): void {
  if (s === '' || s.includes('/')) throw new RangeError(`invalid ${kind} for a store key: ${JSON.stringify(s)}`)
}

/** The key of one object; `namespace` undefined or '' for cluster-scoped kinds. Throws on an empty or slash-containing segment (validation should have refused it). */
export function storeKey(ref: ResourceRef, namespace: string | undefined, name: string): string {
  checkSegment('resource', ref.resource)
  checkSegment('name', name)
  const base = `${REGISTRY_ROOT}/${groupSegment(ref.group)}/${ref.resource}/`
  if (namespace === undefined || namespace === '') return base + name
  checkSegment('namespace', namespace)
  return `${base}${namespace}/${name}`
}

/** The prefix to list/watch: all objects of the resource, or (namespace given) those of one namespace. Always ends in '/'. */
export function storePrefix(ref: ResourceRef, namespace?: string): string {
  checkSegment('resource', ref.resource)
  const base = `${REGISTRY_ROOT}/${groupSegment(ref.group)}/${ref.resource}/`
  if (namespace === undefined || namespace === '') return base
  checkSegment('namespace', namespace)
  return `${base}${namespace}/`
}

/** The whole resource's prefix (every namespace) a list or watch prefix falls under. */
export function resourcePrefixOf(prefix: string): string {
  if (!prefix.startsWith(`${REGISTRY_ROOT}/`)) throw new RangeError(`not a registry prefix: ${prefix}`)
  const [group, resource] = prefix.slice(REGISTRY_ROOT.length + 1).split('/')
  if (!group || !resource) throw new RangeError(`not a resource prefix: ${prefix}`)
  return `${REGISTRY_ROOT}/${group}/${resource}/`
}

export interface ParsedKey {
  /** '' for the core group. */
  readonly group: string
  readonly resource: string
  /** Absent for cluster-scoped keys. */
  readonly namespace?: string
  readonly name: string
}

/** The inverse of storeKey; undefined for anything that is not an object key. */
export function parseStoreKey(key: string): ParsedKey | undefined {
  if (!key.startsWith(`${REGISTRY_ROOT}/`)) return undefined
  const parts = key.slice(REGISTRY_ROOT.length + 1).split('/')
  if (parts.some((p) => p === '')) return undefined
  const [g, resource, a, b] = parts
  if (g === undefined || resource === undefined || a === undefined) return undefined
  const group = g === 'core' ? '' : g
  if (parts.length === 3) return { group, resource, name: a }
  if (parts.length === 4 && b !== undefined) return { group, resource, namespace: a, name: b }
  return undefined
}

/** The resourceVersion of a stored object: its modRevision in decimal. */
export function formatResourceVersion(modRevision: number): string {
  if (!Number.isSafeInteger(modRevision) || modRevision < 0) throw new RangeError(`invalid modRevision: ${modRevision}`)
  return String(modRevision)
}

export type ParsedResourceVersion = { readonly ok: true; readonly revision: number } | { readonly ok: false; readonly error: StatusError }

/**
 * APIObjectVersioner.ParseResourceVersion: '' and '0' mean 0 ("any"/"unset"); otherwise an unsigned
 * decimal (strconv.ParseUint). A bad value answers 400 with Kubernetes' field-error wording:
 * `resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`.
 * Revisions beyond 2^53-1 (JavaScript's exact integers) are refused as out of range.
 */
export function parseResourceVersion(rv: string | undefined): ParsedResourceVersion {
  if (rv === undefined || rv === '' || rv === '0') return { ok: true, revision: 0 }
  let problem: string | undefined
  if (!/^[0-9]+$/.test(rv)) problem = 'invalid syntax'
  else {
    const n = Number(rv)
    if (!Number.isSafeInteger(n)) problem = 'value out of range'
    else return { ok: true, revision: n }
  }
  return {
    ok: false,
    error: badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: ${problem}`),
  }
}
