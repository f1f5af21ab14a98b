/**
 * POST pods/<name>/eviction (policy/v1 or v1beta1 Eviction, JSON or protobuf): reads the pod and
 * its namespace's PodDisruptionBudgets, lets eviction.ts decide, and carries the decision out:
 * the budget's status written by compare-and-swap, the pod marked DisruptionTarget, then deleted
 * through the ordinary DELETE (grace period, preconditions and finalizers as any delete).
 * A budget written meanwhile by someone else is read again and decided again.
 */
import type { Pod } from '../kube/objects.ts'
import type { PodDisruptionBudget } from '../kube/policy.ts'
import { parseDeleteOptions, type DeleteOptions } from './deletion.ts'
import { decideEviction, EVICTED, stillProcessing, withDisruptionTarget, type EvictionDecision } from './eviction.ts'
import { json, type ApiRequest, type ApiResponse } from './http/api-request.ts'
import { parseObjectBody } from './http/body.ts'
import type { ResourcePath } from './http/route.ts'
import { storeKey, storePrefix } from './meta/keys.ts'
import { badRequest, conflict, invalid, notFound, unsupportedMediaType, type StatusError } from './meta/status.ts'
import type { ApiPorts, KubeObject } from './ports.ts'

/** DELETE of the pod with these options, as the resource's own DELETE does it. */
export type PodDeleter = (options: DeleteOptions) => Promise<ApiResponse>

/** EvictionsRetry has 20 steps; ours are immediate re-reads, so fewer do. */
const ATTEMPTS = 10
const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1']
const BUDGETS = { group: 'policy', resource: 'poddisruptionbudgets' }
const fail = (s: StatusError): ApiResponse => json(s.code, s.status)

interface Eviction {
  readonly options: DeleteOptions
  readonly dryRun: boolean
}

/** The Eviction in the body: its name must be the URL's, its namespace (if any) the URL's. */
function parseEviction(request: ApiRequest, at: ResourcePath): { ok: true; eviction: Eviction } | { ok: false; status: StatusError } {
  const parsed = parseObjectBody(request.body, request.contentType)
  if (!parsed.ok) return { ok: false, status: parsed.unsupported ? unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']) : badRequest(parsed.message) }
  const body = parsed.value as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown }; deleteOptions?: { dryRun?: unknown } }
  if (body.kind !== undefined && body.kind !== 'Eviction') return { ok: false, status: badRequest(`not a Eviction object: ${String(body.kind)}`) }
  if (body.apiVersion !== undefined && !EVICTION_VERSIONS.includes(String(body.apiVersion))) return { ok: false, status: badRequest(`the body's apiVersion ${String(body.apiVersion)} is not policy/v1`) }
  if (body.metadata?.name !== at.name) return { ok: false, status: badRequest('name in URL does not match name in Eviction object') }
  if (body.metadata?.namespace !== undefined && body.metadata.namespace !== at.namespace) return { ok: false, status: badRequest('the namespace of the provided object does not match the namespace sent on the request') }
  const options = parseDeleteOptions({}, body.deleteOptions)
  if (!options.ok) return { ok: false, status: invalid('DeleteOptions', '', [{ reason: 'FieldValueNotSupported', field: 'deleteOptions.propagationPolicy', message: options.message }], 'meta.k8s.io') }
  const dryRun = request.query.dryRun === 'All' || (Array.isArray(body.deleteOptions?.dryRun) && body.deleteOptions.dryRun.includes('All'))
  return { ok: true, eviction: { options: options.options, dryRun } }
}

export async function evictPod(request: ApiRequest, at: ResourcePath, ports: ApiPorts, deletePod: PodDeleter): Promise<ApiResponse> {
  if (request.method !== 'POST') return fail({ code: 405, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${request.method.toLowerCase()} is not supported on pods/eviction`, reason: 'MethodNotAllowed', code: 405 } })
  const parsed = parseEviction(request, at)
  if (!parsed.ok) return fail(parsed.status)
  const { options, dryRun } = parsed.eviction
  const name = at.name!
  const podKey = storeKey({ resource: 'pods' }, at.namespace, name)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const pod = (await ports.objects.get(podKey)) as Pod | undefined
    if (pod === undefined) return fail(notFound('pods', name))
    const budgets = (await ports.objects.list(storePrefix(BUDGETS, at.namespace))).items as unknown as PodDisruptionBudget[]
    const decision = decideEviction({ pod, budgets, options, now: ports.now() })
    if (decision.kind === 'refuse') return fail(decision.status)
    if (dryRun) return json(201, EVICTED)
    if (decision.kind === 'spend') {
      const written = await ports.objects.update(storeKey(BUDGETS, at.namespace, decision.budget.metadata.name ?? ''), decision.budget as unknown as KubeObject, decision.budget.metadata.resourceVersion)
      if (!written.ok) continue // the budget changed (or went): decide again from fresh reads
    }
    const outcome = await markAndDelete(pod, decision, ports, deletePod)
    if (outcome === 'retry') continue
    return outcome
  }
  return fail(conflict('pods', name))
}

/** DisruptionTarget on the pod, then the DELETE; a conflict is a retry, the budget's 429 or the client's 409. */
async function markAndDelete(pod: Pod, decision: Exclude<EvictionDecision, { kind: 'refuse' }>, ports: ApiPorts, deletePod: PodDeleter): Promise<ApiResponse | 'retry'> {
  let options = decision.options
  const precondition = options.preconditions?.resourceVersion
  const marked = await markDisruptionTarget(pod, options.preconditions?.uid, precondition, ports)
  if (marked === 'gone') return fail(notFound('pods', pod.metadata.name ?? ''))
  // The client's own precondition failing: the DELETE below says so in Kubernetes' words.
  if (marked === 'conflict' && decision.onConflict !== 'fail') return conflictOutcome(decision, pod)
  // Our own write moved the pod's version: a precondition on it now means the marked pod.
  if (precondition !== undefined && typeof marked === 'string' && marked !== 'conflict') options = { ...options, preconditions: { ...options.preconditions, resourceVersion: marked } }
  const deleted = await deletePod(options)
  if (deleted.status === 409) return conflictOutcome(decision, pod, deleted)
  return deleted.status >= 200 && deleted.status < 300 ? json(201, EVICTED) : deleted
}

/**
 * addConditionAndDeletePod's update: the condition goes on the latest pod (a kubelet's status
 * write meanwhile is no conflict), unless a precondition pins the version. Gives the new
 * resourceVersion, undefined when the pod already carried the condition.
 */
async function markDisruptionTarget(read: Pod, uid: string | undefined, precondition: string | undefined, ports: ApiPorts): Promise<string | undefined | 'conflict' | 'gone'> {
  const key = storeKey({ resource: 'pods' }, read.metadata.namespace, read.metadata.name ?? '')
  let pod: Pod | undefined = read
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (pod === undefined) return 'gone'
    if ((uid !== undefined && pod.metadata.uid !== uid) || (precondition !== undefined && pod.metadata.resourceVersion !== precondition)) return 'conflict'
    const marked = withDisruptionTarget(pod, ports.now())
    if (marked === undefined) return undefined
    const updated = await ports.objects.update(key, marked as unknown as KubeObject, pod.metadata.resourceVersion)
    if (updated.ok) return updated.object.metadata?.resourceVersion ?? ''
    if (updated.reason === 'NotFound') return 'gone'
    pod = (await ports.objects.get(key)) as Pod | undefined
  }
  return 'conflict'
}

function conflictOutcome(decision: Exclude<EvictionDecision, { kind: 'refuse' }>, pod: Pod, response?: ApiResponse): ApiResponse | 'retry' {
  if (decision.onConflict === 'retry') return 'retry'
  if (decision.onConflict === 'tooManyRequests') return fail(stillProcessing(decision.kind === 'delete' ? (decision.budget ?? '') : ''))
  return response ?? fail(conflict('pods', pod.metadata.name ?? ''))
}
