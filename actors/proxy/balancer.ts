/**
 * Which backend a new connection goes to: round robin over a Service port's ready backends, or,
 * with ClientIP session affinity, the backend the client had last, as long as it is still a
 * backend and the client came back within the timeout (each connection renews it, like the
 * iptables `recent` match kube-proxy uses). A step function over plain state per target.
 */
import { backendKey, type Backend, type Target } from './desired.ts'

export interface Stickiness {
  readonly backend: string
  readonly until: number
}

export interface TargetState {
  /** Where round robin continues. */
  readonly cursor: number
  /** Client IP -> its backend, for targets with affinity. */
  readonly sticky: ReadonlyMap<string, Stickiness>
}

export const INITIAL: TargetState = { cursor: 0, sticky: new Map() }

export interface Pick {
  readonly state: TargetState
  /** Undefined when every backend is excluded (or there are none). */
  readonly backend: Backend | undefined
}

/**
 * Picks a backend for a connection from `clientIP` at `now`. `exclude` holds the backends that
 * already refused this connection, so a retry moves on to the next one.
 */
export function pick(state: TargetState, target: Target, clientIP: string, now: number, exclude: ReadonlySet<string> = new Set()): Pick {
  const live = target.backends.filter((b) => !exclude.has(backendKey(b)))
  if (live.length === 0) return { state, backend: undefined }
  if (target.affinityMs !== undefined) {
    const held = state.sticky.get(clientIP)
    const kept = held !== undefined && held.until > now ? live.find((b) => backendKey(b) === held.backend) : undefined
    const chosen = kept !== undefined ? { cursor: state.cursor, backend: kept } : roundRobin(state, target, exclude)
    const backend = chosen.backend!
    // Expired clients are dropped whenever the map is rebuilt, so it only holds recent ones.
    const sticky = new Map([...state.sticky].filter(([, s]) => s.until > now))
    sticky.set(clientIP, { backend: backendKey(backend), until: now + target.affinityMs })
    return { state: { cursor: chosen.cursor, sticky }, backend }
  }
  const chosen = roundRobin(state, target, exclude)
  return { state: { ...state, cursor: chosen.cursor }, backend: chosen.backend }
}

function roundRobin(state: TargetState, target: Target, exclude: ReadonlySet<string>): { cursor: number; backend: Backend | undefined } {
  const n = target.backends.length
  for (let k = 0; k < n; k++) {
    const i = (state.cursor + k) % n
    const b = target.backends[i]!
    if (!exclude.has(backendKey(b))) return { cursor: (i + 1) % n, backend: b }
  }
  return { cursor: state.cursor, backend: undefined }
}
