/**
 * OpenAPI v3 documents, enough for kubectl 1.32: `/openapi/v3` (the index of group/version
 * documents, each with a `?hash=` URL) and one document per served group/version with every
 * path and operation, PATCH operations carrying `x-kubernetes-group-version-kind` and a
 * `fieldValidation` query parameter (so kubectl leaves `--validate=strict` to the server),
 * and component schemas: the built-in kinds' complete ones generated from our protobuf schema
 * (openapi-schemas.ts, with the list and patch metadata kubectl's `apply`/`diff` patches and
 * `explain` read), the chaos kinds' hand-written ones (chaos-schemas.ts), and open objects
 * (`x-kubernetes-preserve-unknown-fields` below the top level) for the kinds we have no
 * protobuf schema of. Pure: built from RESOURCES, memoized.
 */
import { apiPathOf, GROUP_VERSIONS, RESOURCES, resourcesOf, subresourceOf, type ResourceSpec } from './resources.ts'
import { CHAOS_SCHEMAS } from './chaos-schemas.ts'
import { componentName, componentSchemas, type Schema } from './openapi-schemas.ts'
import { kindFieldsOf, OPEN } from '../field-validation/kind-fields.ts'
import { messageTypeOf } from '../protobuf/registry.ts'

export type JsonObject = { [key: string]: unknown }

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` })
const allOfRef = (name: string, extra: JsonObject = {}): JsonObject => ({ allOf: [ref(name)], ...extra })

/** Go package of a group: '' -> core, 'coordination.k8s.io' -> coordination. */
const groupPackage = (group: string): string => (group === '' ? 'core' : (group.split('.')[0] ?? group))
/** The component schema name of a kind: io.k8s.api.apps.v1.Deployment. */
export const schemaName = (group: string, version: string, kind: string): string => `io.k8s.api.${groupPackage(group)}.${version}.${kind}`

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
const opGroup = (group: string, version: string): string => `${upperFirst(groupPackage(group))}${upperFirst(version)}`
const tag = (group: string, version: string): string => `${groupPackage(group)}_${version}`

const gvk = (group: string, version: string, kind: string): JsonObject => ({ group, version, kind })

const queryParam = (name: string, description: string, type = 'string'): JsonObject => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
})
const pathParam = (name: string, description: string): JsonObject => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: { type: 'string', uniqueItems: true },
})

const DRY_RUN = queryParam('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed')
const FIELD_MANAGER = queryParam('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.')
const FIELD_VALIDATION = queryParam(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
)
const FORCE = queryParam('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean')
const PRETTY = queryParam('pretty', "If 'true', then the output is pretty printed.")
const LIST_PARAMS = [
  queryParam('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  queryParam('continue', 'The continue option should be set when retrieving more results from the server.'),
  queryParam('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  queryParam('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  queryParam('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  queryParam('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  queryParam('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  queryParam('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true.', 'boolean'),
  queryParam('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  queryParam('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
]

const JSON_TYPES = ['application/json', 'application/yaml']
const content = (schema: JsonObject, types: readonly string[] = JSON_TYPES): JsonObject =>
  Object.fromEntries(types.map((t) => [t, { schema }]))
const response = (description: string, schema: JsonObject): JsonObject => ({ description, content: content(schema) })
const UNAUTHORIZED = { '401': { description: 'Unauthorized' } }

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']

interface OpContext {
  readonly group: string
  readonly version: string
  /** Kind of the body and answer (Pod; Scale for deployments/scale). */
  readonly kind: string
  readonly kindGroup: string
  readonly kindVersion: string
  /** Operation id suffix: NamespacedPod, NamespacedDeploymentScale, Node. */
  readonly idSuffix: string
  readonly description: string
}

const operation = (ctx: OpContext, action: string, verbWord: string, extra: JsonObject): JsonObject => ({
  tags: [tag(ctx.group, ctx.version)],
  description: `${verbWord} ${ctx.description}`,
  operationId: `${action}${opGroup(ctx.group, ctx.version)}${ctx.idSuffix}`,
  ...extra,
  'x-kubernetes-action': actionOf(action),
  'x-kubernetes-group-version-kind': gvk(ctx.kindGroup, ctx.kindVersion, ctx.kind),
})

const actionOf = (op: string): string =>
  ({ read: 'get', list: 'list', create: 'post', replace: 'put', patch: 'patch', delete: 'delete', deletecollection: 'deletecollection' })[op] ?? op

const kindSchema = (ctx: OpContext): JsonObject => ref(schemaName(ctx.kindGroup, ctx.kindVersion, ctx.kind))

const readOp = (ctx: OpContext): JsonObject =>
  operation(ctx, 'read', 'read the specified', { responses: { '200': response('OK', kindSchema(ctx)), ...UNAUTHORIZED } })

const replaceOp = (ctx: OpContext): JsonObject =>
  operation(ctx, 'replace', 'replace the specified', {
    parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
    requestBody: { content: content(kindSchema(ctx), ['*/*']), required: true },
    responses: { '200': response('OK', kindSchema(ctx)), '201': response('Created', kindSchema(ctx)), ...UNAUTHORIZED },
  })

const patchOp = (ctx: OpContext): JsonObject =>
  operation(ctx, 'patch', 'partially update the specified', {
    parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
    requestBody: { content: content(ref(`${META}.Patch`), PATCH_TYPES), required: true },
    responses: { '200': response('OK', kindSchema(ctx)), '201': response('Created', kindSchema(ctx)), ...UNAUTHORIZED },
  })

const createOp = (ctx: OpContext): JsonObject =>
  operation(ctx, 'create', 'create', {
    parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
    requestBody: { content: content(kindSchema(ctx), ['*/*']), required: true },
    responses: {
      '200': response('OK', kindSchema(ctx)),
      '201': response('Created', kindSchema(ctx)),
      '202': response('Accepted', kindSchema(ctx)),
      ...UNAUTHORIZED,
    },
  })

const deleteOp = (ctx: OpContext): JsonObject =>
  operation(ctx, 'delete', 'delete', {
    parameters: [
      DRY_RUN,
      queryParam('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
      queryParam('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
    ],
    requestBody: { content: content(ref(`${META}.DeleteOptions`), ['*/*']) },
    responses: {
      '200': response('OK', ref(`${META}.Status`)),
      '202': response('Accepted', ref(`${META}.Status`)),
      ...UNAUTHORIZED,
    },
  })

const listOp = (ctx: OpContext, listKind: string, idSuffix: string): JsonObject =>
  operation({ ...ctx, idSuffix }, 'list', 'list or watch objects of kind', {
    parameters: LIST_PARAMS,
    responses: { '200': response('OK', ref(schemaName(ctx.kindGroup, ctx.kindVersion, listKind))), ...UNAUTHORIZED },
  })

const deleteCollectionOp = (ctx: OpContext): JsonObject =>
  operation(ctx, 'deletecollection', 'delete collection of', {
    parameters: [DRY_RUN, ...LIST_PARAMS.filter((p) => p['name'] !== 'watch' && p['name'] !== 'allowWatchBookmarks')],
    requestBody: { content: content(ref(`${META}.DeleteOptions`), ['*/*']) },
    responses: { '200': response('OK', ref(`${META}.Status`)), ...UNAUTHORIZED },
  })

const NAME = (kind: string): JsonObject => pathParam('name', `name of the ${kind}`)
const NAMESPACE = pathParam('namespace', 'object name and auth scope, such as for teams and projects')

const resourcePaths = (r: ResourceSpec): Record<string, JsonObject> => {
  const base = apiPathOf(r.group, r.version)
  const scope = r.namespaced ? 'Namespaced' : ''
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.name}` : `${base}/${r.name}`
  const scopeParams = r.namespaced ? [NAMESPACE] : []
  const ctx: OpContext = {
    group: r.group,
    version: r.version,
    kind: r.kind,
    kindGroup: r.group,
    kindVersion: r.version,
    idSuffix: `${scope}${r.kind}`,
    description: r.kind,
  }
  const has = (verb: string): boolean => r.verbs.includes(verb as never)
  const paths: Record<string, JsonObject> = {}

  const collectionItem: JsonObject = { parameters: [...scopeParams, PRETTY] }
  if (has('list')) collectionItem['get'] = listOp(ctx, `${r.kind}List`, `${scope}${r.kind}`)
  if (has('create')) collectionItem['post'] = createOp(ctx)
  if (has('deletecollection')) collectionItem['delete'] = deleteCollectionOp({ ...ctx, idSuffix: `Collection${scope}${r.kind}` })
  paths[collection] = collectionItem

  if (r.namespaced && has('list')) {
    paths[`${base}/${r.name}`] = {
      parameters: [PRETTY],
      get: listOp(ctx, `${r.kind}List`, `${r.kind}ForAllNamespaces`),
    }
  }

  const item: JsonObject = { parameters: [NAME(r.kind), ...scopeParams, PRETTY] }
  if (has('get')) item['get'] = readOp(ctx)
  if (has('update')) item['put'] = replaceOp(ctx)
  if (has('patch')) item['patch'] = patchOp(ctx)
  if (has('delete')) item['delete'] = deleteOp(ctx)
  paths[`${collection}/{name}`] = item

  for (const s of r.subresources) {
    const sub = subresourceOf(r, s.name)
    if (!sub) continue
    const subCtx: OpContext = {
      ...ctx,
      kind: sub.kind,
      kindGroup: sub.group,
      kindVersion: sub.version,
      idSuffix: `${scope}${r.kind}${upperFirst(sub.name)}`,
      description: `${sub.name} of the specified ${r.kind}`,
    }
    const subItem: JsonObject = { parameters: [pathParam('name', `name of the ${sub.kind}`), ...scopeParams, PRETTY] }
    if (sub.name === 'log') {
      subItem['get'] = operation(subCtx, 'read', 'read log of the specified', {
        parameters: ['container', 'follow', 'previous', 'sinceSeconds', 'tailLines', 'timestamps'].map((p) =>
          queryParam(p, `The ${p} option of a log request.`, p === 'container' ? 'string' : p.endsWith('s') && p !== 'timestamps' ? 'integer' : 'boolean'),
        ),
        responses: { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }, ...UNAUTHORIZED },
      })
    } else {
      if (sub.verbs.includes('get')) subItem['get'] = readOp(subCtx)
      if (sub.verbs.includes('update')) subItem['put'] = replaceOp(subCtx)
      if (sub.verbs.includes('patch')) subItem['patch'] = patchOp(subCtx)
      if (sub.verbs.includes('create')) subItem['post'] = createOp(subCtx)
    }
    paths[`${collection}/{name}/${sub.name}`] = subItem
  }
  return paths
}

const stringProp = (description: string): JsonObject => ({ type: 'string', description })
const preserve = (description: string): JsonObject => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true })

const API_VERSION = stringProp('APIVersion defines the versioned schema of this representation of an object.')
const KIND = stringProp('Kind is a string value representing the REST resource this object represents.')

/** The meta.k8s.io/v1 messages every document describes (generated), besides Patch (a body of any patch type). */
const META_ROOTS = ['ObjectMeta', 'ListMeta', 'Status', 'DeleteOptions', 'Time'].map((name) => `k8s.io.apimachinery.pkg.apis.meta.v1.${name}`)
const META_KINDS = [`${META}.Status`, `${META}.DeleteOptions`]
const PATCH_SCHEMA: JsonObject = { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' }

const typeMeta = (schema: Schema): Schema => ({
  ...schema,
  properties: Object.fromEntries(Object.entries({ ...(schema['properties'] as Schema), apiVersion: API_VERSION, kind: KIND }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
})

/**
 * How a kind is described from the protobuf schema: the message of the whole kind, or (Pod)
 * its top-level fields, each a message or open; undefined for a kind we have no schema of.
 */
const protobufShape = (group: string, version: string, kind: string): { readonly message: string } | { readonly fields: Readonly<Record<string, string>> } | undefined => {
  const apiVersion = group === '' ? version : `${group}/${version}`
  const described = kindFieldsOf(apiVersion, kind)
  if (described?.type === 'message') return { message: described.message.fullName.replace(/^\./, '') }
  if (described?.type === 'fields') {
    const fields = [...described.fields].filter(([name]) => name !== 'metadata')
    // Kinds known by open fields only keep their open schema (objectSchema).
    if (fields.every(([, shape]) => shape === OPEN)) return undefined
    return { fields: Object.fromEntries(fields.map(([name, shape]) => [name, shape === OPEN ? OPEN : shape.fullName.replace(/^\./, '')])) }
  }
  const message = messageTypeOf(apiVersion, kind)
  return message === undefined ? undefined : { message: message.fullName.replace(/^\./, '') }
}

const kindDescription = (k: KindRef): string => `${k.kind} (${k.group === '' ? '' : `${k.group}/`}${k.version}).`

const objectSchema = (group: string, version: string, kind: string, withSpec: boolean): JsonObject => ({
  type: 'object',
  description: kindDescription({ group, version, kind }),
  properties: {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: allOfRef(`${META}.ObjectMeta`, { default: {}, description: "Standard object's metadata." }),
    ...(withSpec
      ? {
          spec: CHAOS_SCHEMAS[kind]?.spec ?? preserve(`Specification of the desired behavior of the ${kind}.`),
          status: CHAOS_SCHEMAS[kind]?.status ?? preserve(`Most recently observed status of the ${kind}.`),
        }
      : {}),
  },
  // Kinds without spec/status (ConfigMap, Endpoints, Event, Binding, ...) keep their fields open.
  ...(withSpec ? {} : { 'x-kubernetes-preserve-unknown-fields': true }),
  'x-kubernetes-group-version-kind': [gvk(group, version, kind)],
})

const listSchema = (group: string, version: string, kind: string): JsonObject => ({
  type: 'object',
  description: `${kind}List is a list of ${kind}.`,
  required: ['items'],
  properties: {
    apiVersion: API_VERSION,
    items: { type: 'array', description: `List of ${kind}.`, items: allOfRef(schemaName(group, version, kind), { default: {} }) },
    kind: KIND,
    metadata: allOfRef(`${META}.ListMeta`, { default: {}, description: 'Standard list metadata.' }),
  },
  'x-kubernetes-group-version-kind': [gvk(group, version, `${kind}List`)],
})

/** Of the kinds without a protobuf schema, those with spec and status; the rest are described as open objects. */
const SPEC_KINDS = new Set(['ChaosExperiment', 'ChaosSchedule'])

interface KindRef {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/** The component of a kind known by its top-level fields (Pod: spec a message, status open). */
const fieldsSchema = (k: KindRef, fields: Readonly<Record<string, string>>): JsonObject => ({
  type: 'object',
  properties: {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: allOfRef(`${META}.ObjectMeta`, { default: {} }),
    ...Object.fromEntries(
      Object.entries(fields).map(([name, shape]) => [name, shape === OPEN ? preserve(`The ${name} of the ${k.kind}.`) : allOfRef(componentName(shape), { default: {} })]),
    ),
  },
})

/** The OpenAPI v3 document of one group/version, or undefined when not served. */
const buildDocument = (group: string, version: string): JsonObject | undefined => {
  const specs = resourcesOf(group, version)
  if (specs.length === 0) return undefined
  const paths: Record<string, JsonObject> = {}
  const kinds: KindRef[] = []
  for (const r of specs) {
    Object.assign(paths, resourcePaths(r))
    kinds.push(r)
    for (const s of r.subresources) {
      const sub = subresourceOf(r, s.name)
      if (sub && !kinds.some((k) => k.group === sub.group && k.version === sub.version && k.kind === sub.kind)) kinds.push(sub)
    }
  }
  // The protobuf messages of the kinds (and of Pod's spec ...), with every message they reach.
  const shapes = new Map(kinds.map((k) => [k, protobufShape(k.group, k.version, k.kind)]))
  const roots = [...META_ROOTS]
  for (const shape of shapes.values()) {
    if (shape === undefined) continue
    if ('message' in shape) roots.push(shape.message)
    else roots.push(...Object.values(shape.fields).filter((m) => m !== OPEN))
  }
  const schemas: Record<string, JsonObject> = { ...componentSchemas(roots), [`${META}.Patch`]: PATCH_SCHEMA }
  for (const name of META_KINDS) schemas[name] = typeMeta(schemas[name] as Schema)
  // Every kind a generated component describes (this document's, or one reached: a
  // StatefulSet's PersistentVolumeClaims) has apiVersion, kind and its group/version/kind.
  for (const k of [...RESOURCES, ...kinds]) {
    const name = schemaName(k.group, k.version, k.kind)
    const generated = schemas[name]
    if (generated !== undefined && !('x-kubernetes-group-version-kind' in generated)) {
      schemas[name] = { ...typeMeta(generated), description: kindDescription(k), 'x-kubernetes-group-version-kind': [gvk(k.group, k.version, k.kind)] }
    }
  }
  for (const k of kinds) {
    const name = schemaName(k.group, k.version, k.kind)
    const shape = shapes.get(k)
    if (shape !== undefined && 'fields' in shape) schemas[name] = { ...fieldsSchema(k, shape.fields), description: kindDescription(k), 'x-kubernetes-group-version-kind': [gvk(k.group, k.version, k.kind)] }
    else if (shape === undefined && schemas[name] === undefined) schemas[name] = objectSchema(k.group, k.version, k.kind, SPEC_KINDS.has(k.kind))
  }
  for (const r of specs) schemas[schemaName(r.group, r.version, `${r.kind}List`)] = listSchema(r.group, r.version, r.kind)
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]]))
  const sortedSchemas = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]))
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: sortedPaths,
    components: {
      schemas: sortedSchemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  }
}

/** FNV-1a 64-bit of a string's UTF-16 code units, as 16 upper-case hex digits. */
export const fnv1a64 = (text: string): string => {
  let h = 0xcbf29ce484222325n
  const prime = 0x100000001b3n
  const mask = 0xffffffffffffffffn
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i))
    h = (h * prime) & mask
  }
  return h.toString(16).toUpperCase().padStart(16, '0')
}

interface Built {
  readonly doc: JsonObject
  readonly json: string
  readonly hash: string
}

const cache = new Map<string, Built | null>()

/** The relative index key of a group/version: `api/v1`, `apis/apps/v1`. */
export const openApiKey = (group: string, version: string): string => apiPathOf(group, version).slice(1)

const built = (key: string): Built | undefined => {
  if (!cache.has(key)) {
    const gv = GROUP_VERSIONS.find((g) => openApiKey(g.group, g.version) === key)
    const doc = gv && buildDocument(gv.group, gv.version)
    if (!doc) cache.set(key, null)
    else {
      const json = JSON.stringify(doc)
      cache.set(key, { doc, json, hash: fnv1a64(json) })
    }
  }
  return cache.get(key) ?? undefined
}

/** The document for `api/v1` / `apis/apps/v1` (no leading slash), or undefined. */
export const openApiDocument = (key: string): JsonObject | undefined => built(key)?.doc

/** The document's serialized JSON (stable, so it can be served and hashed as is). */
export const openApiDocumentJson = (key: string): string | undefined => built(key)?.json

export const openApiHash = (key: string): string | undefined => built(key)?.hash

export interface OpenApiIndex {
  readonly paths: Record<string, { readonly serverRelativeURL: string }>
}

/** GET /openapi/v3. */
export const openApiIndex = (): OpenApiIndex => {
  const paths: Record<string, { serverRelativeURL: string }> = {}
  for (const gv of GROUP_VERSIONS) {
    const key = openApiKey(gv.group, gv.version)
    const hash = openApiHash(key)
    if (hash) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` }
  }
  return { paths }
}

/**
 * Routes a GET under /openapi/v3 (path without query): the index, a group/version document
 * (JSON text, ready to send), or undefined for 404.
 */
export const openApiRoute = (path: string): { readonly json: string } | undefined => {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  if (p === '/openapi/v3') return { json: JSON.stringify(openApiIndex()) }
  const prefix = '/openapi/v3/'
  if (!p.startsWith(prefix)) return undefined
  const json = openApiDocumentJson(p.slice(prefix.length))
  return json === undefined ? undefined : { json }
}
