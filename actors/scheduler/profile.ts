/**
 * The plugin registry (names to factories) and profiles (apis/config: which plugins are enabled,
 * in what order, with what score weights and args). The default profile is kube-scheduler's
 * default plugin set, minus the port and image plugins and the volume ones other than VolumeBinding.
 */
import { Framework } from './framework/framework.ts'
import type { AnyPlugin } from './framework/interfaces.ts'
import { newDefaultPreemption, NAME as DEFAULT_PREEMPTION, type DefaultPreemptionArgs } from './plugins/default-preemption/default-preemption.ts'
import { newInterPodAffinity, NAME as INTER_POD_AFFINITY, type InterPodAffinityArgs } from './plugins/inter-pod-affinity/inter-pod-affinity.ts'
import { newNodeAffinity, NAME as NODE_AFFINITY } from './plugins/node-affinity/node-affinity.ts'
import { newNodeName, NAME as NODE_NAME } from './plugins/node-name/node-name.ts'
import { newNodeResourcesBalancedAllocation, NAME as BALANCED_ALLOCATION } from './plugins/node-resources-balanced-allocation/node-resources-balanced-allocation.ts'
import { newNodeResourcesFit, NAME as NODE_RESOURCES_FIT, type NodeResourcesFitArgs } from './plugins/node-resources-fit/node-resources-fit.ts'
import { newNodeUnschedulable, NAME as NODE_UNSCHEDULABLE } from './plugins/node-unschedulable/node-unschedulable.ts'
import { newPodTopologySpread, NAME as POD_TOPOLOGY_SPREAD } from './plugins/pod-topology-spread/pod-topology-spread.ts'
import { newTaintToleration, NAME as TAINT_TOLERATION } from './plugins/taint-toleration/taint-toleration.ts'
import { newVolumeBinding, NAME as VOLUME_BINDING } from './plugins/volume-binding/volume-binding.ts'

export type PluginFactory = (args: unknown) => AnyPlugin

/** Every in-tree plugin by name. */
export const REGISTRY: ReadonlyMap<string, PluginFactory> = new Map<string, PluginFactory>([
  [NODE_UNSCHEDULABLE, () => newNodeUnschedulable()],
  [NODE_NAME, () => newNodeName()],
  [TAINT_TOLERATION, () => newTaintToleration()],
  [NODE_AFFINITY, () => newNodeAffinity()],
  [NODE_RESOURCES_FIT, (args) => newNodeResourcesFit(args as NodeResourcesFitArgs | undefined)],
  [POD_TOPOLOGY_SPREAD, () => newPodTopologySpread()],
  [INTER_POD_AFFINITY, (args) => newInterPodAffinity(args as InterPodAffinityArgs | undefined)],
  [BALANCED_ALLOCATION, () => newNodeResourcesBalancedAllocation()],
  [VOLUME_BINDING, () => newVolumeBinding()],
  [DEFAULT_PREEMPTION, (args) => newDefaultPreemption(args as DefaultPreemptionArgs | undefined)],
])

export interface PluginConfig {
  readonly name: string
  /** Score weight (only for plugins that score). */
  readonly weight?: number
  readonly args?: unknown
}

export interface Profile {
  readonly schedulerName?: string
  /** In order; Filter runs them in this order, so it decides which rejection a node reports. */
  readonly plugins: readonly PluginConfig[]
  readonly percentageOfNodesToScore?: number
}

/** kube-scheduler's default order and weights (apis/config/v1/default_plugins.go). */
export const DEFAULT_PLUGINS: readonly PluginConfig[] = [
  { name: NODE_UNSCHEDULABLE },
  { name: NODE_NAME },
  { name: TAINT_TOLERATION, weight: 3 },
  { name: NODE_AFFINITY, weight: 2 },
  { name: NODE_RESOURCES_FIT, weight: 1 },
  { name: VOLUME_BINDING },
  { name: POD_TOPOLOGY_SPREAD, weight: 2 },
  { name: INTER_POD_AFFINITY, weight: 2 },
  { name: BALANCED_ALLOCATION, weight: 1 },
  { name: DEFAULT_PREEMPTION },
]

export const DEFAULT_PROFILE: Profile = { schedulerName: 'default-scheduler', plugins: DEFAULT_PLUGINS }

/** Builds a profile's framework; unknown plugin names throw a RangeError. */
export function newFramework(profile: Profile = DEFAULT_PROFILE, registry: ReadonlyMap<string, PluginFactory> = REGISTRY): Framework {
  const weights: Record<string, number> = {}
  const plugins = profile.plugins.map((c) => {
    const factory = registry.get(c.name)
    if (factory === undefined) throw new RangeError(`unknown scheduler plugin ${JSON.stringify(c.name)}`)
    if (c.weight !== undefined) weights[c.name] = c.weight
    return factory(c.args)
  })
  return new Framework(plugins, weights, { schedulerName: profile.schedulerName, percentageOfNodesToScore: profile.percentageOfNodesToScore })
}
