/**
 * Who acted as scheduler or controller manager, read from the simulation's message trace: the API
 * writes each host sent to an apiserver. A leader's engine puts its fencing token (Lease, holder,
 * term: actors/apiserver/fence.ts) on every write, which names the actor exactly. A write without
 * one is attributed by what only one component writes: the scheduler alone POSTs
 * pods/<name>/binding; the controller manager alone writes apps/v1 objects and creates pods, among
 * the hosts that can hold its Lease (a workload client creating Deployments is not such a host).
 * Unfenced writes others share (pod deletes, Events, Leases, pod status) are not attributed. Each
 * write carries the apiserver's answer to it when the trace holds one (found by the request's
 * reply subject), so a late write the fence refused is told from one that landed, and where it
 * landed in the store's order (the revision its answer names). The trace also
 * tells when each Lease write was sent (`leaseWriteTimes`), in the simulation's time rather than
 * the writer's. Pure: trace in, actions and times out.
 */
import type { Fence } from '../../../actors/apiserver/fence.ts'
import { decodeEvent, DecodeFailure } from '../../codec.ts'
import { parseSubject } from '../../subjects.ts'
import type { TracedMessage } from '../simulation.ts'

export type LeaderComponent = 'scheduler' | 'controller-manager'

export interface LeaderAction {
  /** The fencing token the write carried: the Lease, holder and term it was sent for. */
  readonly fence?: Fence
  /** For an unfenced write, the component that alone writes its path. */
  readonly component?: LeaderComponent
  /** Virtual ms it was sent. */
  readonly at: number
  readonly host: string
  /** Method and path, for the report. */
  readonly what: string
  /** When this very request (same host, same bytes) was first sent, if this is a client's resend of it. */
  readonly firstSentAt?: number
  /** How the apiserver answered this send; undefined when no answer is in the trace (it may have landed). */
  readonly answer?: WriteAnswer
}

export interface WriteAnswer {
  readonly status: number
  /** A 409 from the fence (actors/apiserver/fence.ts): the token's term was over when the write reached the store. */
  readonly fenceRefused: boolean
  /**
   * The store revision a 2xx wrote at: the answered object's metadata.resourceVersion. Undefined
   * when the body names none (a binding's Status).
   */
  readonly revision?: number
  /**
   * True for a DELETE: one that removed the object answers with it as it was, at an earlier
   * revision than the delete's own, so `revision` only bounds where the write landed from below.
   */
  readonly revisionAtLeast?: boolean
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const BINDING = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/binding$/
const POD_CREATE = /^\/api\/v1\/namespaces\/[^/]+\/pods$/
const APPS = /^\/apis\/apps\/v1\//
const LEASES_PREFIX = '/apis/coordination.k8s.io/'

/** The component a write to `path` comes from, if only one writes it. */
export function attribute(method: string, path: string): LeaderComponent | undefined {
  if (!WRITES.has(method)) return undefined
  if (method === 'POST' && BINDING.test(path)) return 'scheduler'
  if (APPS.test(path) || (method === 'POST' && POD_CREATE.test(path))) return 'controller-manager'
  return undefined
}

interface ApiRequest {
  /** Its place in the trace. */
  readonly index: number
  readonly at: number
  readonly from: string
  readonly data: Uint8Array
  readonly method: string
  readonly path: string
  readonly body: unknown
  readonly fence: Fence | undefined
  readonly reply: string | undefined
}

function fenceOf(value: unknown): Fence | undefined {
  const f = value as Partial<Fence> | undefined
  return typeof f?.lease === 'string' && typeof f.holder === 'string' && typeof f.term === 'number' ? { lease: f.lease, holder: f.holder, term: f.term } : undefined
}

/** The API requests in the trace sent to this cluster's apiservers, decoded. */
function* apiRequests(trace: readonly TracedMessage[], cluster: string): Generator<ApiRequest> {
  for (const [index, message] of trace.entries()) {
    const parsed = parseSubject(message.subject)
    if (parsed === undefined || parsed.cluster !== cluster || parsed.address.component !== 'apiserver') continue
    const event = decodeEvent(message.data)
    if (event instanceof DecodeFailure || event.type !== 'api.request') continue
    const { method, path, body, fence } = event as { method?: unknown; path?: unknown; body?: unknown; fence?: unknown }
    if (typeof method === 'string' && typeof path === 'string') yield { index, at: message.at, from: message.from, data: message.data, method, path, body, fence: fenceOf(fence), reply: message.reply }
  }
}

export function leaderActions(trace: readonly TracedMessage[], cluster: string): LeaderAction[] {
  const actions: LeaderAction[] = []
  const sentAt = new Map<number, { position: number; reply: string }>()
  const firstSent = new Map<string, number>()
  for (const request of apiRequests(trace, cluster)) {
    const component = attribute(request.method, request.path)
    // Lease writes are the election itself, judged by the terms they make.
    if ((request.fence === undefined && component === undefined) || request.path.startsWith(LEASES_PREFIX)) continue
    // An ApiClient sends the same bytes again to the next apiserver when one does not answer.
    const identical = `${request.from}\u0000${bytesKey(request.data)}`
    const first = firstSent.get(identical)
    if (first === undefined) firstSent.set(identical, request.at)
    const who = request.fence !== undefined ? { fence: request.fence } : { component }
    if (request.reply !== undefined) sentAt.set(request.index, { position: actions.length, reply: request.reply })
    actions.push({ ...who, at: request.at, host: request.from, what: `${request.method} ${request.path}`, ...(first !== undefined ? { firstSentAt: first } : {}) })
  }
  for (const [position, answer] of answersTo(trace, sentAt)) {
    const action = actions[position]!
    const revision = answer.status >= 200 && answer.status < 300 ? revisionOf(answer.body) : undefined
    const placed = revision === undefined ? {} : action.what.startsWith('DELETE ') ? { revision, revisionAtLeast: true } : { revision }
    actions[position] = { ...action, answer: { status: answer.status, fenceRefused: action.fence !== undefined && isFenceRefusal(answer, action.fence), ...placed } }
  }
  return actions
}

/** An object's metadata.resourceVersion as a number (the store revision it was written at), if it has one. */
export function revisionOf(object: unknown): number | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion
  if (typeof version !== 'string' || !/^\d+$/.test(version)) return undefined
  return Number(version)
}

/**
 * The first api.response published to each request's reply subject after it was sent (an answer
 * repeated by the network counts once), by the action's position. A restarted host's new
 * transport numbers its inboxes from 0 again, so a reply subject can recur: an answer belongs
 * to the latest request sent on it.
 */
function answersTo(trace: readonly TracedMessage[], sentAt: ReadonlyMap<number, { position: number; reply: string }>): Map<number, { status: number; body: unknown }> {
  const answers = new Map<number, { status: number; body: unknown }>()
  const awaiting = new Map<string, number>()
  for (const [index, message] of trace.entries()) {
    // Any request sent on a reply subject, ours or not, takes the answers that follow.
    if (message.reply !== undefined) awaiting.delete(message.reply)
    const sent = sentAt.get(index)
    if (sent !== undefined) awaiting.set(sent.reply, sent.position)
    const position = awaiting.get(message.subject)
    if (position === undefined) continue
    const event = decodeEvent(message.data)
    if (event instanceof DecodeFailure || event.type !== 'api.response') continue
    const { status, body } = event as { status?: unknown; body?: unknown }
    if (typeof status !== 'number') continue
    answers.set(position, { status, body })
    awaiting.delete(message.subject)
  }
  return answers
}

/** The fence's 409 names the Lease (fenceRefusedStatus); a stale resourceVersion's names the object written. */
function isFenceRefusal(answer: { status: number; body: unknown }, fence: Fence): boolean {
  const details = (answer.body as { details?: { kind?: unknown; group?: unknown; name?: unknown } } | undefined)?.details
  return answer.status === 409 && details?.kind === 'leases' && details.group === 'coordination.k8s.io' && details.name === fence.lease
}

/** Identifies one Lease write: its holder and its renewTime (a fresh timestamp on every write). */
export const leaseWriteKey = (holderIdentity: string | undefined, renewTime: string | undefined): string => `${holderIdentity ?? ''}\u0000${renewTime ?? ''}`

/** When each Lease record under `leasesPath` was first sent (a retry to another apiserver resends the same body). */
export function leaseWriteTimes(trace: readonly TracedMessage[], cluster: string, leasesPath: string): Map<string, number> {
  const times = new Map<string, number>()
  for (const request of apiRequests(trace, cluster)) {
    if ((request.method !== 'PUT' && request.method !== 'POST') || !request.path.startsWith(leasesPath)) continue
    const spec = (request.body as { spec?: { holderIdentity?: string; renewTime?: string } } | undefined)?.spec
    const key = leaseWriteKey(spec?.holderIdentity, spec?.renewTime)
    if (!times.has(key)) times.set(key, request.at)
  }
  return times
}

/** The bytes as a string (one char each), to find identical messages. */
function bytesKey(data: Uint8Array): string {
  let key = ''
  for (let i = 0; i < data.length; i += 4096) key += String.fromCharCode(...data.subarray(i, i + 4096))
  return key
}
