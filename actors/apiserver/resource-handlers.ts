/**
 * The verbs on one resource path. Objects live under `/registry/...` keys; every write is a
 * compare-and-swap on the store, so two writers never silently overwrite each other.
 */
import { podLog } from './pod-log.ts'
import { evictPod } from './eviction-request.ts'
import { tokenRequest } from './serviceaccount/token-request.ts'
import type { ResourceSpec } from './discovery/resources.ts'
import { groupVersionOf } from './discovery/resources.ts'
import { json, type ApiRequest, type ApiResponse, type WatchStreamEvent } from './http/api-request.ts'
import { parseJson, parseJsonObject, parseObjectBody } from './http/body.ts'
import type { ResourcePath } from './http/route.ts'
import { alreadyExists, badRequest, conflict, forbiddenBecause, gone, invalid, methodNotAllowed, notFound, subresourceNotServed, unsupportedMediaType } from './meta/status.ts'
import { failedPrecondition, finishedDeleting, parseDeleteOptions, planDeletion } from './deletion.ts'
import { storeKey, storePrefix } from './meta/keys.ts'
import { prepareForCreate, prepareForUpdate, rfc3339Seconds, validateObjectMeta } from './meta/object-meta.ts'
import { parseLabelSelector } from './meta/label-selector.ts'
import { EVENT_FIELDS, matchesFieldSelector, METADATA_FIELDS, NAMESPACE_FIELDS, NODE_FIELDS, parseFieldSelectorFor, POD_FIELDS, REPLICASET_FIELDS, SECRET_FIELDS, type FieldSet } from './meta/field-selector.ts'
import { applyJsonPatch, JSON_PATCH_CONTENT_TYPE } from './patch/json-patch.ts'
import type { Json } from './patch/json.ts'
import { applyMergePatch, MERGE_PATCH_CONTENT_TYPE } from './patch/merge-patch.ts'
import { applyStrategicMergePatch, STRATEGIC_MERGE_PATCH_CONTENT_TYPE } from './patch/strategic-merge-patch.ts'
import type { ApiPorts, KubeObject, ObjectEvent } from './ports.ts'
import { buildTable, tableRow, wantsTable } from './tables/table.ts'
import { toScale, withScale } from './scale.ts'
import { applyCreateDefaults, applyDefaults } from './validation/defaults.ts'
import { admitNewObject } from './admission/admit-create.ts'
import { admitObjectUpdate } from './admission/admit-update.ts'
import { nameRuleOf, validateKind } from './validation/kinds.ts'
import { allocationFor, releaseRemoved } from './services/service-writes.ts'
import { checkFields, jsonTextOf } from './field-validation/field-validation.ts'
import { TRACEPARENT_ANNOTATION } from '../kube/trace-annotation.ts'

const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml'
/** The annotation of the bookmark that ends a watch's initial events (Kubernetes' WatchList). */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end'
/** kubectl re-reads and retries a conflicting apply up to 5 times; so does the server for patches. */
const PATCH_ATTEMPTS = 5
/** Pod subresources kubectl exec, attach, port-forward and proxy ask for; none is served yet. */
const POD_STREAM_SUBRESOURCES: ReadonlySet<string> = new Set(['exec', 'attach', 'portforward', 'proxy'])

type Status = { readonly code: number; readonly status: unknown }
const fail = (s: Status): ApiResponse => json(s.code, s.status)

export async function handleResource(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const { resource, name, subresource } = at
  if (subresource === 'scale' && name !== undefined && resource.subresources.some((sub) => sub.name === 'scale')) return scaleRequest(request, at, ports)
  if (subresource === 'binding' && name !== undefined && resource.name === 'pods') {
    return request.method === 'POST' ? bind(request, at, ports) : fail(methodNotAllowed('pods/binding', request.method.toLowerCase()))
  }
  if (subresource === 'log' && name !== undefined && resource.name === 'pods') return podLog(request, at, ports)
  if (subresource === 'eviction' && name !== undefined && resource.name === 'pods') {
    const deletePod = (options: object) => remove({ ...request, method: 'DELETE', query: {}, body: new TextEncoder().encode(JSON.stringify(options)) }, { ...at, subresource: undefined }, ports)
    return evictPod(request, at, ports, deletePod)
  }
  if (subresource === 'token' && name !== undefined && resource.name === 'serviceaccounts' && resource.group === '') return tokenRequest(request, at, ports)
  if (subresource === 'finalize' && name !== undefined && resource.name === 'namespaces') {
    return request.method === 'PUT' ? finalize(request, at, ports) : fail(methodNotAllowed('namespaces/finalize', request.method.toLowerCase()))
  }
  if (subresource !== undefined && subresource !== 'status' && name !== undefined && resource.name === 'pods' && POD_STREAM_SUBRESOURCES.has(subresource)) {
    return fail(subresourceNotServed(resource.name, subresource, name))
  }
  if (subresource !== undefined && subresource !== 'status') return fail(notFound(`${resource.name}/${subresource}`, name ?? '', resource.group))
  const watching = request.query.watch === 'true' || request.query.watch === '1'
  switch (request.method) {
    case 'GET':
      if (name === undefined) return watching ? watch(request, at, ports) : list(request, at, ports)
      return get(request, at, ports)
    case 'POST':
      return name === undefined ? create(request, at, ports) : fail(methodNotAllowed(at.resource.name, 'create', at.resource.group))
    case 'PUT':
      return name === undefined ? fail(methodNotAllowed(at.resource.name, 'update', at.resource.group)) : update(request, at, ports)
    case 'PATCH':
      return name === undefined ? fail(methodNotAllowed(at.resource.name, 'patch', at.resource.group)) : patch(request, at, ports)
    case 'DELETE':
      return name === undefined ? fail(methodNotAllowed(at.resource.name, 'deletecollection', at.resource.group)) : remove(request, at, ports)
    default:
      return fail(methodNotAllowed(at.resource.name, request.method.toLowerCase(), at.resource.group))
  }
}

const keyOf = (at: ResourcePath, name: string) => storeKey({ group: at.resource.group, resource: at.resource.name }, at.namespace, name)
const prefixOf = (at: ResourcePath) => storePrefix({ group: at.resource.group, resource: at.resource.name }, at.namespace)

/** The fields `?fieldSelector=` may name, per resource (Kubernetes' field label conversions). */
const FIELDS: Readonly<Record<string, FieldSet>> = { pods: POD_FIELDS, nodes: NODE_FIELDS, events: EVENT_FIELDS, namespaces: NAMESPACE_FIELDS, replicasets: REPLICASET_FIELDS, secrets: SECRET_FIELDS }
const apiVersionOf = (r: ResourceSpec) => groupVersionOf(r.group, r.version)

function render(request: ApiRequest, r: ResourceSpec, object: KubeObject, ports: ApiPorts, status = 200): ApiResponse {
  if (wantsTable(request.accept)) return json(status, buildTable(r.group, r.name, [object], { now: ports.now(), resourceVersion: object.metadata?.resourceVersion ?? '' }))
  return json(status, object)
}

async function get(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const object = await ports.objects.get(keyOf(at, at.name!))
  if (object === undefined) return fail(notFound(at.resource.name, at.name!, at.resource.group))
  return render(request, at.resource, object, ports)
}

/** Label and field selectors from the query, as one predicate (or a 400 for a bad one). */
function selectorOf(request: ApiRequest, r: ResourceSpec): { ok: true; matches: (o: KubeObject) => boolean } | { ok: false; response: ApiResponse } {
  const labels = parseLabelSelector(request.query.labelSelector ?? '')
  if (!labels.ok) return { ok: false, response: fail(badRequest(labels.error)) }
  const supported = FIELDS[r.name] ?? METADATA_FIELDS
  const fields = parseFieldSelectorFor(request.query.fieldSelector ?? '', supported)
  if (!fields.ok) return { ok: false, response: fail(badRequest(fields.error)) }
  return { ok: true, matches: (o) => labels.selector.matches(o.metadata?.labels ?? {}) && matchesFieldSelector(fields.selector, o, supported) }
}

/** Kubernetes' resourceVersion=0 (and the empty default for watches): any version will do. */
const anyVersion = (asked: string | undefined) => asked === '0'

async function list(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const selector = selectorOf(request, at.resource)
  if (!selector.ok) return selector.response
  const { items, resourceVersion } = await ports.objects.list(prefixOf(at), { anyVersion: anyVersion(request.query.resourceVersion) })
  const selected = items.filter(selector.matches)
  const r = at.resource
  if (wantsTable(request.accept)) return json(200, buildTable(r.group, r.name, selected, { now: ports.now(), resourceVersion }))
  return json(200, { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: { resourceVersion }, items: selected })
}

/**
 * `?watch=true`: one JSON event per line. Without a resourceVersion (or "0") the current objects
 * come first as ADDED, as Kubernetes does; then every change after the list's version.
 */
async function watch(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const selector = selectorOf(request, at.resource)
  if (!selector.ok) return selector.response
  const r = at.resource
  const table = wantsTable(request.accept)
  const prefix = prefixOf(at)
  const asked = request.query.resourceVersion
  let initial: KubeObject[] = []
  let from = asked ?? '0'
  const listed = asked === undefined || asked === '' || asked === '0'
  if (listed) {
    const listed = await ports.objects.list(prefix, { anyVersion: anyVersion(asked) })
    initial = listed.items.filter(selector.matches)
    from = listed.resourceVersion
  } else if (!/^\d+$/.test(asked)) {
    return fail(badRequest(`invalid resourceVersion ${JSON.stringify(asked)}`))
  }
  const shown = (object: KubeObject): unknown =>
    table ? { ...buildTable(r.group, r.name, [], { now: ports.now(), resourceVersion: object.metadata?.resourceVersion ?? '' }), rows: [tableRow(r.group, r.name, object, ports.now())] } : object
  return {
    kind: 'stream',
    status: 200,
    contentType: 'application/json',
    resourceVersion: from,
    open(emit, end) {
      let stopped = false
      let cancel: (() => Promise<void>) | undefined
      const failWith = (message: string) => {
        if (stopped) return
        stopped = true
        emit([{ type: 'ERROR', object: gone(message).status }])
        end()
      }
      // WatchList (sendInitialEvents): a bookmark marks the end of the initial objects, so an
      // informer knows it has them all without a separate (possibly huge) list call. It goes in
      // the same batch as the objects: over NATS a batch is one push (split only when oversized),
      // so losing the bookmark alone, which makes the client list again, is rare.
      const initialEvents: WatchStreamEvent[] = initial.map((o) => ({ type: 'ADDED', object: shown(o) }))
      if (listed && request.query.sendInitialEvents === 'true') initialEvents.push({ type: 'BOOKMARK', object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: from, annotations: { [INITIAL_EVENTS_END]: 'true' } } } })
      if (initialEvents.length > 0) emit(initialEvents)
      ports.objects
        .watch(
          prefix,
          from,
          (events) => {
            if (stopped) return
            const out: WatchStreamEvent[] = []
            for (const e of events) {
              const type = selectedType(e, selector.matches)
              if (type !== undefined) out.push({ type, object: shown(e.object) })
            }
            if (out.length > 0) emit(out)
          },
          (error) => failWith(error.message),
        )
        .then(
          (w) => {
            if (stopped) void w.cancel()
            else cancel = () => w.cancel()
          },
          (error: unknown) => failWith(error instanceof Error ? error.message : String(error)),
        )
      return () => {
        stopped = true
        void cancel?.()
      }
    },
  }
}

/** The resourceVersion a client put in its object (a precondition), if any. */
function askedVersion(object: unknown): string | undefined {
  const asked = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion
  return typeof asked === 'string' && asked !== '' ? asked : undefined
}

/**
 * A change as a selector-filtered watch sees it: an object modified into the selection is ADDED
 * for it, one modified out of it is DELETED (as Kubernetes' watch cache reports).
 */
function selectedType(e: ObjectEvent, matches: (o: KubeObject) => boolean): ObjectEvent['type'] | undefined {
  const now = matches(e.object)
  if (e.type !== 'MODIFIED') return now ? e.type : undefined
  const before = e.previous === undefined ? now : matches(e.previous)
  if (before && now) return 'MODIFIED'
  if (now) return 'ADDED'
  return before ? 'DELETED' : undefined
}

/** The body as an object of this resource's kind, with the path's namespace and name checked. */
function bodyObject(request: ApiRequest, at: ResourcePath): { ok: true; object: KubeObject } | { ok: false; response: ApiResponse } {
  // JSON, or protobuf (kubectl's generators, `kubectl create deployment`, send it).
  const parsed = parseObjectBody(request.body, request.contentType)
  if (!parsed.ok) return { ok: false, response: fail(parsed.unsupported ? unsupportedMediaType(['application/json', 'application/yaml']) : badRequest(parsed.message)) }
  const object = parsed.value as KubeObject
  const r = at.resource
  if (object.kind !== undefined && object.kind !== r.kind) return { ok: false, response: fail(badRequest(`the body is a ${String(object.kind)}, not a ${r.kind}`)) }
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersionOf(r)) return { ok: false, response: fail(badRequest(`the body's apiVersion ${String(object.apiVersion)} is not ${apiVersionOf(r)}`)) }
  const metadata = { ...(object.metadata ?? {}) }
  if (r.namespaced) {
    if (metadata.namespace !== undefined && metadata.namespace !== at.namespace) {
      return { ok: false, response: fail(badRequest(`the namespace of the provided object does not match the namespace sent on the request`)) }
    }
    metadata.namespace = at.namespace
  }
  if (at.name !== undefined && metadata.name !== undefined && metadata.name !== at.name) {
    return { ok: false, response: fail(badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${at.name})`)) }
  }
  if (at.name !== undefined) metadata.name = at.name
  return { ok: true, object: { ...object, kind: r.kind, apiVersion: apiVersionOf(r), metadata } }
}

function validate(object: KubeObject, r: ResourceSpec, old?: KubeObject): Status | undefined {
  const causes = [...validateObjectMeta(object.metadata ?? {}, { namespaced: r.namespaced, nameFn: nameRuleOf(r.kind) }), ...validateKind(r.kind, object, old)]
  return causes.length > 0 ? invalid(r.kind, object.metadata?.name ?? '', causes, r.group) : undefined
}

/** Why nothing can be created in the request's namespace: it does not exist, or it is being deleted. */
async function namespaceClosed(at: ResourcePath, name: string, ports: ApiPorts): Promise<Status | undefined> {
  if (!at.resource.namespaced || at.namespace === undefined) return undefined
  // As Kubernetes' NamespaceLifecycle admission: the cached copy (an informer there), and a
  // current read when the cache does not have the namespace (yet).
  const key = storeKey({ resource: 'namespaces' }, undefined, at.namespace)
  const ns = (await ports.objects.get(key, { anyVersion: true })) ?? (await ports.objects.get(key))
  if (ns === undefined) return notFound('namespaces', at.namespace)
  if (ns.metadata?.deletionTimestamp) return forbiddenBecause(at.resource.name, name, `unable to create new content in namespace ${at.namespace} because it is being terminated`, at.resource.group)
  return undefined
}

async function create(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  if (at.namespace === undefined && at.resource.namespaced) return fail(methodNotAllowed(at.resource.name, 'create', at.resource.group))
  const body = bodyObject(request, at)
  if (!body.ok) return body.response
  const r = at.resource
  const checked = fieldsChecked(request, r, body.object, request.body)
  if (!checked.ok) return fail(checked.status)
  // Create strategies drop a client's status, except for Nodes: a kubelet registers its node with its capacity.
  const resetStatus = r.name !== 'nodes' && r.subresources.some((sub) => sub.name === 'status')
  const prepared = prepareForCreate(checked.object, { now: ports.now(), uid: ports.uid, random: ports.random, resetStatus })
  const object = withTraceparent(applyCreateDefaults(r.kind, prepared), r, request.traceparent)
  const invalidStatus = validate(object, r)
  if (invalidStatus) return fail(invalidStatus)
  const name = object.metadata!.name!
  const closed = await namespaceClosed(at, name, ports)
  if (closed) return fail(closed)
  const admitted = await admitNewObject(r, object, ports.objects, ports.serviceAccountTokens)
  if (!admitted.ok) return fail(forbiddenBecause(r.name, name, admitted.detail, r.group))
  const allocated = await allocationFor(at, ports, admitted.object)
  if (!allocated.ok) return fail(allocated.status)
  const created = await ports.objects.create(keyOf(at, name), allocated.allocation.object)
  if (!created.ok) {
    await allocated.allocation.rollback()
    return fail(alreadyExists(r.name, name, r.group))
  }
  return warned(render(request, r, created.object, ports, 201), checked.warnings)
}

/** Unknown and duplicate fields of the request's object, as its `fieldValidation` says (field-validation/). */
function fieldsChecked(request: ApiRequest, r: ResourceSpec, object: KubeObject, body: Uint8Array | undefined) {
  const checked = checkFields({ query: request.query, object, apiVersion: apiVersionOf(r), kind: r.kind, jsonText: jsonTextOf(body, request.contentType) })
  return checked.ok ? { ...checked, object: checked.object as KubeObject } : checked
}

const warned = (response: ApiResponse, warnings: readonly string[]): ApiResponse => (warnings.length === 0 || response.kind !== 'json' ? response : { ...response, warnings })

/** A new pod records the span it was created in, unless its client set the annotation already. */
function withTraceparent(object: KubeObject, r: ResourceSpec, traceparent: string | undefined): KubeObject {
  if (traceparent === undefined || r.name !== 'pods' || r.group !== '') return object
  const annotations = object.metadata?.annotations
  if (annotations?.[TRACEPARENT_ANNOTATION] !== undefined) return object
  return { ...object, metadata: { ...object.metadata, annotations: { ...annotations, [TRACEPARENT_ANNOTATION]: traceparent } } }
}

async function update(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const body = bodyObject(request, at)
  if (!body.ok) return body.response
  const key = keyOf(at, at.name!)
  const asked = askedVersion(body.object)
  // A cached copy at the version the client names is the current object if the write's
  // compare-and-swap on that version succeeds, and a Conflict is the answer if it fails: no
  // current read needed (Lease renewals, status updates). Otherwise read the store.
  const cached = asked === undefined ? undefined : await ports.objects.get(key, { anyVersion: true })
  const current = cached !== undefined && cached.metadata?.resourceVersion === asked ? cached : await ports.objects.get(key)
  if (current === undefined) return fail(notFound(at.resource.name, at.name!, at.resource.group))
  const checked = fieldsChecked(request, at.resource, body.object, request.body)
  if (!checked.ok) return fail(checked.status)
  return warned(await write(request, at, ports, current, checked.object, asked), checked.warnings)
}

/** Stores `next` over `current` (status subresource: only status changes); Conflict if `resourceVersion` is stale. */
async function write(request: ApiRequest, at: ResourcePath, ports: ApiPorts, current: KubeObject, next: KubeObject, resourceVersion: string | undefined): Promise<ApiResponse> {
  const r = at.resource
  const hasStatus = r.subresources.some((sub) => sub.name === 'status')
  // The main resource cannot change status, nor the status subresource the spec (Kubernetes' update strategies).
  const carryOver = at.subresource === 'status' ? ['spec'] : hasStatus ? ['status'] : []
  // A status write cannot change labels or annotations either (Kubernetes' ResetObjectMetaForStatus).
  const input = at.subresource === 'status' ? { ...next, metadata: { ...next.metadata, labels: current.metadata?.labels, annotations: current.metadata?.annotations } } : next
  const prepared = prepareForUpdate(current, at.subresource === 'status' ? input : applyDefaults(r.kind, input), { carryOver })
  if (prepared.errors.length > 0) return fail(invalid(r.kind, at.name!, prepared.errors, r.group))
  const invalidStatus = validate(prepared.object, r, current)
  if (invalidStatus) return fail(invalidStatus)
  if (at.subresource === undefined) {
    const admitted = await admitObjectUpdate(r, current, prepared.object, ports.objects)
    if (!admitted.ok) return fail(forbiddenBecause(r.name, at.name!, admitted.detail, r.group))
  }
  if (finishedDeleting(r.name, prepared.object)) {
    // The last finalizer is off an object being deleted: it goes now.
    const removed = await ports.objects.delete(keyOf(at, at.name!), resourceVersion ?? current.metadata?.resourceVersion)
    if (removed.ok) {
      await releaseRemoved(r, ports, current)
      return render(request, r, prepared.object, ports)
    }
    if (removed.reason === 'NotFound') return fail(notFound(r.name, at.name!, r.group))
    return fail(conflict(r.name, at.name!, r.group))
  }
  const allocated = await allocationFor(at, ports, prepared.object, current)
  if (!allocated.ok) return fail(allocated.status)
  const updated = await ports.objects.update(keyOf(at, at.name!), allocated.allocation.object, resourceVersion)
  await (updated.ok ? allocated.allocation.commit() : allocated.allocation.rollback())
  if (updated.ok) return render(request, r, updated.object, ports)
  if (updated.reason === 'NotFound') return fail(notFound(r.name, at.name!, r.group))
  return fail(conflict(r.name, at.name!, r.group))
}

function applyPatch(contentType: string, current: KubeObject, patchBody: Uint8Array | undefined, kind: string, name: string): { ok: true; value: KubeObject } | { ok: false; status: Status } {
  const type = contentType.split(';')[0]!.trim()
  const accepted = [JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_CONTENT_TYPE]
  if (!accepted.includes(type)) return { ok: false, status: unsupportedMediaType(accepted) }
  const parsed = parseJson(patchBody)
  if (!parsed.ok) return { ok: false, status: badRequest(parsed.message) }
  const patchValue = parsed.value as Json
  const result =
    type === MERGE_PATCH_CONTENT_TYPE || type === APPLY_PATCH_CONTENT_TYPE
      ? applyMergePatch(current as Json, patchValue)
      : type === JSON_PATCH_CONTENT_TYPE
        ? applyJsonPatch(current as Json, patchValue)
        : type === STRATEGIC_MERGE_PATCH_CONTENT_TYPE
          ? applyStrategicMergePatch(current as Json, patchValue, kind)
          : undefined
  if (result === undefined) return { ok: false, status: unsupportedMediaType([JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_CONTENT_TYPE]) }
  if (!result.ok) {
    const e = result.error
    return { ok: false, status: e.code === 415 ? unsupportedMediaType([type]) : e.code === 422 ? invalid(kind, name, [{ reason: 'FieldValueInvalid', field: 'patch', message: e.message }]) : badRequest(e.message) }
  }
  return { ok: true, value: result.value as KubeObject }
}

async function patch(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const r = at.resource
  const isApply = request.contentType.startsWith(APPLY_PATCH_CONTENT_TYPE)
  for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
    const current = await ports.objects.get(keyOf(at, at.name!))
    if (current === undefined) {
      // Server-side apply creates what does not exist yet.
      if (!isApply) return fail(notFound(r.name, at.name!, r.group))
      return create({ ...request, method: 'POST' }, at, ports)
    }
    const patched = applyPatch(request.contentType, current, request.body, r.kind, at.name!)
    if (!patched.ok) return fail(patched.status)
    const checked = fieldsChecked(request, r, patched.value, request.body)
    if (!checked.ok) return fail(checked.status)
    // A resourceVersion in the patch is a precondition the client asked for: a conflict is final.
    const precondition = askedVersion(checked.object) ?? current.metadata?.resourceVersion
    const response = warned(await write(request, at, ports, current, checked.object, precondition), checked.warnings)
    if (response.status !== 409 || precondition !== current.metadata?.resourceVersion) return response
  }
  return fail(conflict(r.name, at.name!, r.group))
}

/**
 * DELETE: removes the object, or marks it for deletion (graceful pod deletion, finalizers,
 * namespaces; see deletion.ts). Either way a compare-and-swap at the version read, retried when
 * the object changed meanwhile.
 */
async function remove(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const r = at.resource
  const body = request.body === undefined || request.body.length === 0 ? { ok: true as const, value: undefined } : parseJson(request.body)
  if (!body.ok) return fail(badRequest(body.message))
  const parsed = parseDeleteOptions(request.query, body.value)
  if (!parsed.ok) return fail(invalid('DeleteOptions', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: parsed.message }], 'meta.k8s.io'))
  const key = keyOf(at, at.name!)
  for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
    const current = await ports.objects.get(key)
    if (current === undefined) return fail(notFound(r.name, at.name!, r.group))
    const refused = failedPrecondition(current, parsed.options)
    if (refused !== undefined) return fail(conflict(r.name, at.name!, r.group, refused))
    const plan = planDeletion(r.name, current, parsed.options, ports.now())
    const version = current.metadata?.resourceVersion
    // Nothing to change (already being deleted) is still confirmed in the store's order: a fenced
    // request is refused there once its term is over, as its write would be (sim seed 80156).
    const outcome =
      plan.kind === 'remove' ? await ports.objects.delete(key, version) : plan.object === current ? await ports.objects.confirm(key, version) : await ports.objects.update(key, plan.object, version)
    if (outcome.ok && plan.kind === 'remove') await releaseRemoved(r, ports, current)
    if (outcome.ok) return render(request, r, outcome.object, ports)
    if (outcome.reason === 'NotFound') return fail(notFound(r.name, at.name!, r.group))
  }
  return fail(conflict(r.name, at.name!, r.group))
}

/** POST pods/<name>/binding: assigns an unassigned pod to a node (what the scheduler does). */
async function bind(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const parsed = parseJsonObject(request.body)
  if (!parsed.ok) return fail(badRequest(parsed.message))
  const binding = parsed.value as { metadata?: { name?: string; uid?: string }; target?: { kind?: string; name?: string } }
  const node = binding.target?.name
  if (typeof node !== 'string' || node === '') return fail(invalid('Binding', at.name!, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]))
  if (binding.target?.kind !== undefined && binding.target.kind !== '' && binding.target.kind !== 'Node') {
    return fail(invalid('Binding', at.name!, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: ${JSON.stringify(binding.target.kind)}: supported values: "Node"` }]))
  }
  const key = keyOf(at, at.name!)
  const uid = binding.metadata?.uid
  for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
    // The first attempt starts from the apiserver's cached copy (the scheduler binds pods it has
    // just seen): a stale copy fails the compare-and-swap below, and a refusal is only ever given
    // from a current read.
    let pod = attempt === 0 ? await ports.objects.get(key, { anyVersion: true }) : undefined
    if (pod === undefined || bindRefusal(pod, uid, at.name!) !== undefined) pod = await ports.objects.get(key)
    if (pod === undefined) return fail(notFound('pods', at.name!))
    const refused = bindRefusal(pod, uid, at.name!)
    if (refused !== undefined) return fail(refused)
    const bound = withCondition({ ...pod, spec: { ...(pod.spec as object), nodeName: node } }, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339Seconds(ports.now()) })
    const updated = await ports.objects.update(key, bound, pod.metadata?.resourceVersion)
    if (updated.ok) return json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
    if (updated.reason === 'NotFound') return fail(notFound('pods', at.name!))
  }
  return fail(conflict('pods/binding', at.name!))
}

/** Why `pod` cannot be bound: another uid than the binding's, being deleted, or already on a node. */
function bindRefusal(pod: KubeObject, uid: string | undefined, name: string): Status | undefined {
  if (uid !== undefined && uid !== '' && uid !== pod.metadata?.uid) return conflict('pods/binding', name, '', `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid ?? ''}`)
  if (pod.metadata?.deletionTimestamp) return conflict('pods/binding', name, '', `pod ${name} is being deleted, cannot be assigned to a host`)
  const assigned = (pod.spec as { nodeName?: string } | undefined)?.nodeName
  if (assigned) return conflict('pods/binding', name, '', `pod ${name} is already assigned to node ${JSON.stringify(assigned)}`)
  return undefined
}

/** The pod with `condition` set (replacing one of the same type). */
function withCondition(pod: KubeObject, condition: { type: string; status: string; [field: string]: unknown }): KubeObject {
  const status = (pod.status ?? {}) as { conditions?: { type?: string }[] }
  const conditions = (status.conditions ?? []).filter((c) => c.type !== condition.type)
  return { ...pod, status: { ...status, conditions: [...conditions, condition] } }
}

/** PUT namespaces/<name>/finalize: only spec.finalizers change; a Terminating namespace with none left goes. */
async function finalize(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const body = bodyObject(request, at)
  if (!body.ok) return body.response
  const current = await ports.objects.get(keyOf(at, at.name!))
  if (current === undefined) return fail(notFound('namespaces', at.name!))
  const finalizers = (body.object.spec as { finalizers?: unknown } | undefined)?.finalizers
  if (finalizers !== undefined && !(Array.isArray(finalizers) && finalizers.every((f) => typeof f === 'string'))) {
    return fail(invalid('Namespace', at.name!, [{ reason: 'FieldValueInvalid', field: 'spec.finalizers', message: 'Invalid value: must be a list of strings' }]))
  }
  const next = { ...current, spec: { ...(current.spec as object), finalizers: finalizers ?? [] } }
  return write(request, { ...at, subresource: undefined }, ports, current, next, askedVersion(body.object) ?? current.metadata?.resourceVersion)
}

/** GET, PUT or PATCH of `<deployment|replicaset>/scale`: reads and writes spec.replicas. */
async function scaleRequest(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  const r = at.resource
  for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
    const current = await ports.objects.get(keyOf(at, at.name!))
    if (current === undefined) return fail(notFound(r.name, at.name!, r.group))
    const scale = toScale(current)
    if (request.method === 'GET') return json(200, scale)
    let wanted: unknown
    if (request.method === 'PUT') {
      const body = parseJsonObject(request.body)
      if (!body.ok) return fail(badRequest(body.message))
      wanted = body.value
    } else if (request.method === 'PATCH') {
      const patched = applyPatch(request.contentType, scale as unknown as KubeObject, request.body, 'Scale', at.name!)
      if (!patched.ok) return fail(patched.status)
      wanted = patched.value
    } else {
      return fail(methodNotAllowed(`${r.name}/scale`, request.method.toLowerCase(), r.group))
    }
    const next = withScale(current, wanted)
    if (next === undefined) return fail(invalid('Scale', at.name!, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: must be a whole number >= 0' }], 'autoscaling'))
    const changed = toScale(next).spec.replicas !== scale.spec.replicas
    const generation = (Number(current.metadata?.generation) || 0) + (changed ? 1 : 0)
    const precondition = askedVersion(wanted) ?? current.metadata?.resourceVersion
    const updated = await ports.objects.update(keyOf(at, at.name!), { ...next, metadata: { ...next.metadata, generation } }, precondition)
    if (updated.ok) return json(200, toScale(updated.object))
    if (updated.reason === 'NotFound') return fail(notFound(r.name, at.name!, r.group))
    if (precondition !== current.metadata?.resourceVersion) return fail(conflict(r.name, at.name!, r.group))
  }
  return fail(conflict(r.name, at.name!, r.group))
}
