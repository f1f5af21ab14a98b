/**
 * Who acted as scheduler or controller manager, read from the simulation's message trace: the API
 * requests each host sent to an apiserver, attributed by what only that component writes. The
 * scheduler alone POSTs pods/<name>/binding. The controller manager alone writes apps/v1 objects
 * and creates pods, among the hosts that can hold its Lease (a workload client creating
 * Deployments is not such a host). Writes others share (pod deletes, Events, Leases, pod status)
 * are not attributed. Pure: trace in, actions out.
 */
import { decodeEvent, DecodeFailure } from '../../codec.ts'
import { parseSubject } from '../../subjects.ts'
import type { TracedMessage } from '../simulation.ts'

export type LeaderComponent = 'scheduler' | 'controller-manager'

export interface LeaderAction {
  readonly component: LeaderComponent
  /** Virtual ms it was sent. */
  readonly at: number
  readonly host: string
  /** Method and path, for the report. */
  readonly what: string
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const BINDING = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/binding$/
const POD_CREATE = /^\/api\/v1\/namespaces\/[^/]+\/pods$/
const APPS = /^\/apis\/apps\/v1\//

/** The component a write to `path` comes from, if only one writes it. */
export function attribute(method: string, path: string): LeaderComponent | undefined {
  if (!WRITES.has(method)) return undefined
  if (method === 'POST' && BINDING.test(path)) return 'scheduler'
  if (APPS.test(path) || (method === 'POST' && POD_CREATE.test(path))) return 'controller-manager'
  return undefined
}

export function leaderActions(trace: readonly TracedMessage[], cluster: string): LeaderAction[] {
  const actions: LeaderAction[] = []
  for (const message of trace) {
    const parsed = parseSubject(message.subject)
    if (parsed === undefined || parsed.cluster !== cluster || parsed.address.component !== 'apiserver') continue
    const event = decodeEvent(message.data)
    if (event instanceof DecodeFailure || event.type !== 'api.request') continue
    const { method, path } = event as { method?: unknown; path?: unknown }
    if (typeof method !== 'string' || typeof path !== 'string') continue
    const component = attribute(method, path)
    if (component !== undefined) actions.push({ component, at: message.at, host: message.from, what: `${method} ${path}` })
  }
  return actions
}
