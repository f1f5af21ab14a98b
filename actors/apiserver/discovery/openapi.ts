/**
 * OpenAPI v3 documents, enough for kubectl 1.32: `/openapi/v3` (the index of group/version
 * documents, each with a `?hash=` URL) and one document per served group/version with every
 * path and operation, PATCH operations carrying `x-kubernetes-group-version-kind` and a
 * `fieldValidation` query parameter (so kubectl leaves `--validate=strict` to the server),
 * and permissive component schemas (`x-kubernetes-preserve-unknown-fields` below the top
 * level) so `kubectl explain` finds each kind. Pure: built from RESOURCES, memoized.
 */
import { apiPathOf, GROUP_VERSIONS, resourcesOf, subresourceOf, type ResourceSpec } from './resources.ts'
import { CHAOS_SCHEMAS } from './chaos-schemas.ts'

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
const stringMap = (description: string): JsonObject => ({ type: 'object', description, additionalProperties: { type: 'string', default: '' } })

const API_VERSION = stringProp('APIVersion defines the versioned schema of this representation of an object.')
const KIND = stringProp('Kind is a string value representing the REST resource this object represents.')

/** The meta.k8s.io/v1 schemas every document shares. */
const metaSchemas = (): Record<string, JsonObject> => ({
  [`${META}.Time`]: { type: 'string', format: 'date-time', description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.' },
  [`${META}.ObjectMeta`]: {
    type: 'object',
    description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    properties: {
      annotations: stringMap('Annotations is an unstructured key value map stored with a resource.'),
      creationTimestamp: allOfRef(`${META}.Time`, { description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }),
      deletionGracePeriodSeconds: { type: 'integer', format: 'int64', description: 'Number of seconds allowed for this object to gracefully terminate.' },
      deletionTimestamp: allOfRef(`${META}.Time`, { description: 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.' }),
      finalizers: { type: 'array', description: 'Must be empty before the object is deleted from the registry.', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'set' },
      generateName: stringProp('GenerateName is an optional prefix, used by the server, to generate a unique name.'),
      generation: { type: 'integer', format: 'int64', description: 'A sequence number representing a specific generation of the desired state.' },
      labels: stringMap('Map of string keys and values that can be used to organize and categorize objects.'),
      managedFields: { type: 'array', description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      name: stringProp('Name must be unique within a namespace.'),
      namespace: stringProp('Namespace defines the space within which each name must be unique.'),
      ownerReferences: {
        type: 'array',
        description: 'List of objects depended by this object.',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resourceVersion: stringProp('An opaque value that represents the internal version of this object.'),
      selfLink: stringProp('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      uid: stringProp('UID is the unique in time and space value for this object.'),
    },
  },
  [`${META}.ListMeta`]: {
    type: 'object',
    description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
    properties: {
      continue: stringProp('continue may be set if the user set a limit on the number of items returned.'),
      remainingItemCount: { type: 'integer', format: 'int64', description: 'The number of subsequent items in the list.' },
      resourceVersion: stringProp('String that identifies the server\'s internal version of this object.'),
      selfLink: stringProp('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
    },
  },
  [`${META}.Patch`]: { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' },
  [`${META}.DeleteOptions`]: {
    type: 'object',
    description: 'DeleteOptions may be provided when deleting an API object.',
    properties: { apiVersion: API_VERSION, kind: KIND },
    'x-kubernetes-preserve-unknown-fields': true,
  },
  [`${META}.Status`]: {
    type: 'object',
    description: 'Status is a return value for calls that don\'t return other objects.',
    properties: {
      apiVersion: API_VERSION,
      code: { type: 'integer', format: 'int32', description: 'Suggested HTTP return code for this status, 0 if not set.' },
      details: preserve('Extended data associated with the reason.'),
      kind: KIND,
      message: stringProp('A human-readable description of the status of this operation.'),
      metadata: allOfRef(`${META}.ListMeta`, { default: {}, description: 'Standard list metadata.' }),
      reason: stringProp('A machine-readable description of why this operation is in the "Failure" status.'),
      status: stringProp('Status of the operation. One of: "Success" or "Failure".'),
    },
  },
})

const objectSchema = (group: string, version: string, kind: string, withSpec: boolean): JsonObject => ({
  type: 'object',
  description: `${kind} (${group === '' ? '' : `${group}/`}${version}).`,
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

/** Kinds with spec and status; the rest are described as open objects. */
const SPEC_KINDS = new Set([
  'Pod',
  'Node',
  'Service',
  'Namespace',
  'Deployment',
  'ReplicaSet',
  'Lease',
  'Scale',
  'Eviction',
  'Binding',
  'ChaosExperiment',
  'ChaosSchedule',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'LimitRange',
  'ResourceQuota',
  'DaemonSet',
  'StatefulSet',
  'PodDisruptionBudget',
  'Ingress',
  'IngressClass',
  'NetworkPolicy',
])

/** The OpenAPI v3 document of one group/version, or undefined when not served. */
const buildDocument = (group: string, version: string): JsonObject | undefined => {
  const specs = resourcesOf(group, version)
  if (specs.length === 0) return undefined
  const paths: Record<string, JsonObject> = {}
  const schemas: Record<string, JsonObject> = metaSchemas()
  for (const r of specs) {
    Object.assign(paths, resourcePaths(r))
    schemas[schemaName(r.group, r.version, r.kind)] = objectSchema(r.group, r.version, r.kind, SPEC_KINDS.has(r.kind))
    schemas[schemaName(r.group, r.version, `${r.kind}List`)] = listSchema(r.group, r.version, r.kind)
    for (const s of r.subresources) {
      const sub = subresourceOf(r, s.name)
      if (!sub) continue
      const name = schemaName(sub.group, sub.version, sub.kind)
      if (!schemas[name]) schemas[name] = objectSchema(sub.group, sub.version, sub.kind, SPEC_KINDS.has(sub.kind))
    }
  }
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
