/**
 * What the startup suite runs: one cluster for latency (pods created at steady rates on
 * hollow nodes) and one for scale (node count, then pods stepped up until the time budget, the
 * machine's memory or a stalled step stops it). The goals are the issue's: 5,000 nodes and
 * 150,000 pods in at most 8 GiB, and p99 startup latency <= 1 s at 100 pods/s; Kubernetes'
 * SLO for pod startup is p99 <= 5 s.
 */

export interface Wave {
  /** Pods created per second. */
  readonly rate: number
  /** For this long: rate x seconds pods. */
  readonly seconds: number
}

export interface Plan {
  readonly latency: { readonly nodes: number; readonly waves: readonly Wave[] }
  readonly scale: {
    readonly nodes: number
    /** Cumulative pod counts; each step creates the difference. */
    readonly steps: readonly number[]
    /** Creation rate asked for in the scale steps (the path takes what it can: see the backlog). */
    readonly rate: number
    /** No step starts after the scale cluster has run this long. */
    readonly budgetSeconds: number
  }
  /** Give up waiting for nodes to be Ready after this long. */
  readonly nodesReadyTimeoutMs: number
  /** A wave gives up when nothing progressed for this long. */
  readonly stallMs: number
  /** A wave gives up this long after its last create was answered. */
  readonly drainTimeoutMs: number
}

export const FULL: Plan = {
  latency: {
    nodes: 1_000,
    waves: [
      { rate: 20, seconds: 30 },
      { rate: 100, seconds: 30 },
      { rate: 500, seconds: 20 },
    ],
  },
  scale: { nodes: 5_000, steps: [10_000, 25_000, 50_000, 100_000, 150_000], rate: 200, budgetSeconds: 13 * 60 },
  nodesReadyTimeoutMs: 300_000,
  stallMs: 60_000,
  drainTimeoutMs: 180_000,
}

export const QUICK: Plan = {
  latency: {
    nodes: 200,
    waves: [
      { rate: 20, seconds: 5 },
      { rate: 100, seconds: 5 },
      { rate: 500, seconds: 3 },
    ],
  },
  scale: { nodes: 1_000, steps: [1_000, 3_000], rate: 200, budgetSeconds: 120 },
  nodesReadyTimeoutMs: 120_000,
  stallMs: 30_000,
  drainTimeoutMs: 60_000,
}

export const GOALS = { nodes: 5_000, pods: 150_000, memoryBytes: 8 * 1024 ** 3, p99MsAt100: 1_000, sloP99Ms: 5_000 } as const

/** Creates in flight at most (past it the driver falls behind and reports a backlog). */
export const MAX_IN_FLIGHT = 512
/** NATS connections for calls (one more for the watches). */
export const CONNECTIONS = 4
/** The scale steps go ahead when at least this share of the nodes is Ready (the rest are noted). */
export const MIN_READY_SHARE = 0.9
/** Stop stepping up when the machine has less than this available (MemAvailable). */
export const MIN_AVAILABLE_BYTES = 3 * 1024 ** 3

export const waveId = (nodes: number, w: Wave) => `latency.${nodes}n.${w.rate}pps`
export const scaleId = (nodes: number, pods: number) => `scale.${nodes}n.${pods}p`
export const memoryId = (nodes: number) => `memory.${nodes}n.0p`
