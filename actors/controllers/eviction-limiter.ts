/**
 * The node lifecycle controller's per-zone eviction rate limits (nodelifecycle's zone states and
 * zoneNoExecuteTainter): a node that stops being Ready gets its NoExecute taint, which is what
 * evicts its pods, only when its zone's token bucket (burst 1) has a token. The zone's rate
 * follows its health:
 *
 * - Normal: `nodeEvictionRate` nodes/s;
 * - PartialDisruption (more than 2 nodes and at least `unhealthyZoneThreshold` of them not
 *   Ready): `secondaryNodeEvictionRate` in zones of more than `largeClusterSizeThreshold` nodes,
 *   else 0 (evictions stop: the trouble is more likely the network than the nodes);
 * - FullDisruption (no node Ready): `nodeEvictionRate` again, unless every zone is fully
 *   disrupted: then nothing is evicted and the NoExecute taints come off every node
 *   (Kubernetes' "master disruption mode").
 *
 * Pure: the buckets (actors/kit/token-bucket.ts) are state the caller threads through.
 */
import type { Node } from '../kube/objects.ts'
import type { Bucket } from '../kit/token-bucket.ts'

// The zones' buckets (burst 1) are the kit's token buckets.
export { tryAccept, type Bucket } from '../kit/token-bucket.ts'

export const ZONE_LABEL = 'topology.kubernetes.io/zone'
export const REGION_LABEL = 'topology.kubernetes.io/region'

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption'

export interface EvictionRates {
  /** Nodes per second a healthy zone may start evicting (Kubernetes: 0.1; fast default 1). */
  readonly nodeEvictionRate?: number
  /** Nodes per second in a large, partially disrupted zone (Kubernetes: 0.01). */
  readonly secondaryNodeEvictionRate?: number
  /** The share of not-Ready nodes from which a zone is partially disrupted (Kubernetes: 0.55). */
  readonly unhealthyZoneThreshold?: number
  /** Partially disrupted zones up to this size stop evicting (Kubernetes: 50). */
  readonly largeClusterSizeThreshold?: number
}

export const EVICTION_DEFAULTS = { nodeEvictionRate: 1, secondaryNodeEvictionRate: 0.01, unhealthyZoneThreshold: 0.55, largeClusterSizeThreshold: 50 } as const

/** The buckets by zone key; a zone without one starts full. */
export type LimiterState = ReadonlyMap<string, Bucket>

/** utilnode.GetZoneKey: region and zone, '' for a node with neither (all such nodes form one zone). */
export function zoneOf(node: Node): string {
  const labels = node.metadata.labels ?? {}
  const region = labels[REGION_LABEL] ?? ''
  const zone = labels[ZONE_LABEL] ?? ''
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`
}

/** ComputeZoneState over the zone's Ready statuses (undefined: no Ready condition, i.e. not Ready). */
export function computeZoneState(ready: readonly (string | undefined)[], unhealthyZoneThreshold: number): ZoneState {
  const readyNodes = ready.filter((s) => s === 'True').length
  const notReady = ready.length - readyNodes
  if (readyNodes === 0 && notReady > 0) return 'FullDisruption'
  if (notReady > 2 && notReady / ready.length >= unhealthyZoneThreshold) return 'PartialDisruption'
  return 'Normal'
}

/** setLimiterInZone: the zone's rate in nodes per second. */
export function zoneRate(state: ZoneState, zoneSize: number, rates: EvictionRates = {}): number {
  const normal = rates.nodeEvictionRate ?? EVICTION_DEFAULTS.nodeEvictionRate
  if (state !== 'PartialDisruption') return normal
  return zoneSize <= (rates.largeClusterSizeThreshold ?? EVICTION_DEFAULTS.largeClusterSizeThreshold) ? 0 : (rates.secondaryNodeEvictionRate ?? EVICTION_DEFAULTS.secondaryNodeEvictionRate)
}

/** Checks the rates as a config parser would: RangeError with the offending value. */
export function validateEvictionRates(r: EvictionRates): void {
  for (const key of ['nodeEvictionRate', 'secondaryNodeEvictionRate'] as const) {
    const v = r[key]
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`${key} must be a finite number >= 0, got ${v}`)
  }
  const t = r.unhealthyZoneThreshold
  if (t !== undefined && !(t > 0 && t <= 1)) throw new RangeError(`unhealthyZoneThreshold must be in (0, 1], got ${t}`)
  const l = r.largeClusterSizeThreshold
  if (l !== undefined && !(Number.isInteger(l) && l >= 0)) throw new RangeError(`largeClusterSizeThreshold must be a whole number, got ${l}`)
}
