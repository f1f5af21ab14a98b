import type { ActorKind } from '../kit/actor-kind.ts'
import { positiveNumber } from '../kit/options.ts'
import { leaderElectedMachine, type LeaderOptions } from '../leader/leader-elected.machine.ts'
import { parseLeaderOptions } from '../leader/leader-options.ts'
import { EVICTION_DEFAULTS, validateEvictionRates } from './eviction-limiter.ts'
import { NODE_LIFECYCLE_DEFAULTS } from './node-lifecycle.ts'
import { POD_GC_DEFAULTS } from './pod-gc.ts'

export interface ControllerManagerOptions extends LeaderOptions {
  /** A node whose heartbeat is older than this is NotReady/Unknown (Kubernetes: 40 s). */
  readonly nodeGracePeriodMs: number
  /** How long pods stay on an unreachable node without a toleration of their own (Kubernetes: 300 s). */
  readonly defaultTolerationSeconds: number
  /** Nodes per second per zone whose pods may start being evicted (Kubernetes: 0.1). */
  readonly nodeEvictionRate: number
  /** The same in a large zone with at least unhealthyZoneThreshold of its nodes not Ready (Kubernetes: 0.01). */
  readonly secondaryNodeEvictionRate: number
  /** The share of not-Ready nodes that makes a zone partially disrupted (Kubernetes: 0.55). */
  readonly unhealthyZoneThreshold: number
  /** Partially disrupted zones of at most this many nodes stop evicting (Kubernetes: 50). */
  readonly largeClusterSizeThreshold: number
  /** How long a node must be missing before PodGC deletes its pods (Kubernetes: 40 s). */
  readonly podGcQuarantineMs: number
  /** Terminated pods kept before PodGC deletes the oldest; 0: keep all (Kubernetes: 12500). */
  readonly terminatedPodGcThreshold: number
  /** The cluster's root CA bundle (PEM) that the root CA publisher puts in every namespace's kube-root-ca.crt (kube's --root-ca-file); none: it publishes nothing. */
  readonly rootCaFile?: string
}

/** Fast defaults, as the issue asks: 5 s to NotReady, 2 s more to eviction (NODE_LIFECYCLE_DEFAULTS says why), 1 node/s per zone, 5 s of quarantine for pods of deleted nodes. */
export const CONTROLLER_DEFAULTS = {
  nodeGracePeriodMs: NODE_LIFECYCLE_DEFAULTS.gracePeriodMs,
  defaultTolerationSeconds: NODE_LIFECYCLE_DEFAULTS.defaultTolerationSeconds,
  ...EVICTION_DEFAULTS,
  podGcQuarantineMs: POD_GC_DEFAULTS.quarantineMs,
  terminatedPodGcThreshold: POD_GC_DEFAULTS.terminatedPodThreshold,
} as const

function wholeNumber(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new TypeError(`controllermanager.${field}: expected a whole number, got ${JSON.stringify(value)}`)
  return value
}

function filePath(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`controllermanager.${field}: expected a file path, got ${JSON.stringify(value)}`)
  return value
}

function rate(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`controllermanager.${field}: expected a number >= 0, got ${JSON.stringify(value)}`)
  return value
}

/** One per master; the one holding the `kube-controller-manager` Lease reconciles (runtime/controllers/). */
export const controllerManagerKind: ActorKind<ControllerManagerOptions> = {
  component: 'controllermanager',
  logic: leaderElectedMachine('controllermanager'),
  accepts: new Set<string>(),
  parseOptions(raw) {
    const leader = parseLeaderOptions(raw, 'controllermanager', 'kube-controller-manager')
    const o = (raw ?? {}) as Record<string, unknown>
    const d = CONTROLLER_DEFAULTS
    const options: ControllerManagerOptions = {
      ...leader,
      nodeGracePeriodMs: positiveNumber(o.nodeGracePeriodMs, 'controllermanager.nodeGracePeriodMs', d.nodeGracePeriodMs),
      defaultTolerationSeconds: wholeNumber(o.defaultTolerationSeconds, 'defaultTolerationSeconds', d.defaultTolerationSeconds),
      nodeEvictionRate: rate(o.nodeEvictionRate, 'nodeEvictionRate', d.nodeEvictionRate),
      secondaryNodeEvictionRate: rate(o.secondaryNodeEvictionRate, 'secondaryNodeEvictionRate', d.secondaryNodeEvictionRate),
      unhealthyZoneThreshold: positiveNumber(o.unhealthyZoneThreshold, 'controllermanager.unhealthyZoneThreshold', d.unhealthyZoneThreshold),
      largeClusterSizeThreshold: wholeNumber(o.largeClusterSizeThreshold, 'largeClusterSizeThreshold', d.largeClusterSizeThreshold),
      podGcQuarantineMs: wholeNumber(o.podGcQuarantineMs, 'podGcQuarantineMs', d.podGcQuarantineMs),
      terminatedPodGcThreshold: wholeNumber(o.terminatedPodGcThreshold, 'terminatedPodGcThreshold', d.terminatedPodGcThreshold),
      ...(o.rootCaFile !== undefined ? { rootCaFile: filePath(o.rootCaFile, 'rootCaFile') } : {}),
    }
    try {
      validateEvictionRates(options)
    } catch (e) {
      throw new TypeError(`controllermanager.${e instanceof Error ? e.message : String(e)}`)
    }
    return options
  },
}
