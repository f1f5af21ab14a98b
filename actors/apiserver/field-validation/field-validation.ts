/**
 * Server-side field validation (kube-apiserver since 1.27): the `fieldValidation` query
 * parameter of a create, update or patch says what unknown and duplicate fields in the body
 * cost. `Strict`: a 400, `<Kind> in version "v1" cannot be handled as a <Kind>: strict decoding
 * error: unknown field "spec.foo"`; `Warn` (the default): accepted, each named in a warning
 * (`Warning: 299 - "unknown field \"spec.foo\""`, which kubectl prints); `Ignore`: accepted
 * silently. Unknown fields are never stored. Undecodable bytes (bad base64) are a 400 always.
 */
import { badRequest, type StatusError } from '../meta/status.ts'
import { PROTOBUF_CONTENT_TYPE } from '../protobuf/codec.ts'
import { JSON_PATCH_CONTENT_TYPE } from '../patch/json-patch.ts'
import { duplicateFields } from './duplicate-fields.ts'
import { pruneUnknownFields } from './prune-unknown-fields.ts'

export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore'
const DIRECTIVES: readonly FieldValidationDirective[] = ['Ignore', 'Strict', 'Warn']

export type FieldCheck =
  | { readonly ok: true; readonly object: Record<string, unknown>; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly status: StatusError }

/** The directive of a request's query; absent or empty is Warn. */
export function fieldValidationOf(query: Readonly<Record<string, string>>): { ok: true; directive: FieldValidationDirective } | { ok: false; status: StatusError } {
  const asked = query.fieldValidation ?? ''
  if (asked === '') return { ok: true, directive: 'Warn' }
  if ((DIRECTIVES as readonly string[]).includes(asked)) return { ok: true, directive: asked as FieldValidationDirective }
  return { ok: false, status: badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(asked)}: supported values: "", ${DIRECTIVES.map((d) => JSON.stringify(d)).join(', ')}`) }
}

export interface FieldCheckInput {
  readonly query: Readonly<Record<string, string>>
  /** The object as it is to be stored (for a patch: the patched object). */
  readonly object: Record<string, unknown>
  readonly apiVersion: string
  readonly kind: string
  /** The JSON text the client sent, when it is JSON (duplicates are looked for in it). */
  readonly jsonText?: string
}

/** The object without unknown fields, and the warnings to send; or the 400 the directive calls for. */
export function checkFields(input: FieldCheckInput): FieldCheck {
  const directive = fieldValidationOf(input.query)
  if (!directive.ok) return directive
  const pruned = pruneUnknownFields(input.object, input.apiVersion, input.kind)
  const handled = `${input.kind} in version ${JSON.stringify(versionOf(input.apiVersion))} cannot be handled as a ${input.kind}`
  if (pruned?.undecodable !== undefined) return { ok: false, status: badRequest(`${handled}: ${pruned.undecodable}`) }
  const object = pruned?.object ?? input.object
  if (directive.directive === 'Ignore') return { ok: true, object, warnings: [] }
  const problems = [
    ...(input.jsonText === undefined ? [] : duplicateFields(input.jsonText).map((path) => `duplicate field ${JSON.stringify(path)}`)),
    ...(pruned?.unknown ?? []).map((path) => `unknown field ${JSON.stringify(path)}`),
  ]
  if (problems.length === 0) return { ok: true, object, warnings: [] }
  if (directive.directive === 'Strict') return { ok: false, status: badRequest(`${handled}: strict decoding error: ${problems.join(', ')}`) }
  return { ok: true, object, warnings: problems }
}

const utf8 = new TextDecoder()
/** Bodies whose text is not the object's fields: protobuf, and JSON patches (a list of operations). */
const NOT_FIELDS = new Set([PROTOBUF_CONTENT_TYPE, JSON_PATCH_CONTENT_TYPE])

/**
 * The body as text when its fields are the object's (JSON, a merge or apply patch), for the
 * duplicate search; undefined for protobuf (which has none) and JSON patches (operations).
 */
export function jsonTextOf(body: Uint8Array | undefined, contentType: string): string | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  if (body === undefined || NOT_FIELDS.has(type)) return undefined
  return utf8.decode(body)
}

const versionOf = (apiVersion: string): string => apiVersion.slice(apiVersion.lastIndexOf('/') + 1)
