/**
 * Questions the driver asks the simulated cluster through the API, and polling them on virtual
 * time: a check that throws (no apiserver answering, a store without leader) counts as "not yet".
 */
import type { ApiClient } from '../apiserver/api-client.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Clock } from '../clock.ts'
import { pause } from './invariants/types.ts'

/** Resolves once `check` answers true, asking every `intervalMs` of `clock`'s time. */
export async function pollUntil(clock: Clock, check: () => Promise<boolean>, intervalMs = 250): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return
    await pause(clock, intervalMs)
  }
}

function conditionTrue(object: KubeObject, type: string): boolean {
  const conditions = (object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
  return conditions.some((c) => c.type === type && c.status === 'True')
}

/** The names of the nodes that say they are Ready. */
export async function readyNodes(api: ApiClient): Promise<string[]> {
  const nodes = await api.list('/api/v1/nodes')
  return nodes.items.filter((n) => conditionTrue(n, 'Ready')).map((n) => String(n.metadata?.name))
}

/** Deployments (namespace/name) whose ready replicas, up to date, do not yet match what they ask for. */
export async function unreadyDeployments(api: ApiClient): Promise<string[]> {
  const list = await api.list('/apis/apps/v1/deployments')
  const behind: string[] = []
  for (const d of list.items) {
    const spec = d.spec as { replicas?: number } | undefined
    const status = (d.status ?? {}) as { readyReplicas?: number; updatedReplicas?: number; replicas?: number; observedGeneration?: number }
    const want = spec?.replicas ?? 1
    const generation = d.metadata?.generation ?? 0
    const settled = (status.observedGeneration ?? 0) >= generation && (status.readyReplicas ?? 0) === want && (status.updatedReplicas ?? 0) === want && (status.replicas ?? 0) === want
    if (!settled) behind.push(`${d.metadata?.namespace}/${d.metadata?.name} (ready ${status.readyReplicas ?? 0}/${want}, updated ${status.updatedReplicas ?? 0}, total ${status.replicas ?? 0})`)
  }
  return behind
}
