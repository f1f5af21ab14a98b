/**
 * The simulated run's workload, drawn from the seed: Deployments created, scaled, updated (a new
 * template: a rolling update) and deleted, pods deleted, kubelet hosts dying and coming back, all
 * through an API client on a connection of its own, until the workload window ends. A call that
 * fails (no apiserver answering in a partition, a conflict) is counted and the workload goes on:
 * the cluster, not the workload, is under test.
 */
import type { ApiClient } from '../apiserver/api-client.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Random } from '../random.ts'
import { pause } from './invariants/types.ts'
import type { SimCluster } from './sim-cluster.ts'

export interface WorkloadStats {
  /** Calls that succeeded, by action. */
  readonly done: Record<string, number>
  /** Calls that failed, by action. */
  readonly failed: Record<string, number>
}

export interface WorkloadOptions {
  readonly untilMs: number
  /** Mean virtual ms between two actions (default 700). */
  readonly meanGapMs?: number
  readonly maxDeployments?: number
  /** Kills kubelet hosts and brings them back (default true). */
  readonly nodeDeaths?: boolean
  /** A line per action, for the run's report. */
  readonly onAction?: (line: string) => void
}

const NAMESPACE = 'default'
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`
const PODS = `/api/v1/namespaces/${NAMESPACE}/pods`

export function deployment(name: string, replicas: number, version: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'sim.actorkube.io/version': String(version) } },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9' }] },
      },
    },
  }
}

type Action = 'create' | 'scale' | 'update' | 'delete' | 'delete-pod' | 'node-death'

/** Runs until `options.untilMs` of virtual time, then resolves with what it did; nodes it killed are back by then. */
export async function runWorkload(cluster: SimCluster, api: ApiClient, random: Random, options: WorkloadOptions): Promise<WorkloadStats> {
  const clock = cluster.sim.clock
  const done: Record<string, number> = {}
  const failed: Record<string, number> = {}
  const live = new Map<string, { version: number }>()
  const dead = new Set<string>()
  const maxDeployments = options.maxDeployments ?? 4
  const meanGap = options.meanGapMs ?? 700
  let serial = 0
  const say = options.onAction ?? (() => {})
  const attempt = async (action: Action, line: string, call: () => Promise<unknown>) => {
    say(`${clock.now().toFixed(0)} ms ${line}`)
    try {
      await call()
      done[action] = (done[action] ?? 0) + 1
    } catch (error) {
      failed[action] = (failed[action] ?? 0) + 1
      say(`${clock.now().toFixed(0)} ms   ${action} failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!

  while (clock.now() < options.untilMs) {
    await pause(clock, Math.floor(meanGap / 2 + random() * meanGap))
    if (clock.now() >= options.untilMs) break
    const names = [...live.keys()]
    const roll = random()
    if (names.length === 0 || (roll < 0.25 && names.length < maxDeployments)) {
      const name = `web-${++serial}`
      const replicas = 1 + Math.floor(random() * 4)
      live.set(name, { version: 1 })
      await attempt('create', `create deployment ${name} replicas=${replicas}`, () => api.create(DEPLOYMENTS, deployment(name, replicas, 1)))
    } else if (roll < 0.45) {
      const name = pick(names)
      const replicas = Math.floor(random() * 6)
      await attempt('scale', `scale ${name} to ${replicas}`, () => api.patch(`${DEPLOYMENTS}/${name}`, { spec: { replicas } }))
    } else if (roll < 0.6) {
      const name = pick(names)
      const state = live.get(name)!
      state.version++
      const version = state.version
      await attempt('update', `update ${name} to version ${version}`, () =>
        api.patch(`${DEPLOYMENTS}/${name}`, { spec: { template: { metadata: { annotations: { 'sim.actorkube.io/version': String(version) } } } } }),
      )
    } else if (roll < 0.7) {
      const name = pick(names)
      live.delete(name)
      await attempt('delete', `delete deployment ${name}`, () => api.delete(`${DEPLOYMENTS}/${name}`))
    } else if (roll < 0.9 || options.nodeDeaths === false) {
      await attempt('delete-pod', 'delete a pod', async () => {
        const pods = (await api.list(PODS)).items
        if (pods.length === 0) return
        const pod = pick(pods)
        await api.delete(`${PODS}/${pod.metadata?.name}`)
        say(`${clock.now().toFixed(0)} ms   deleted pod ${pod.metadata?.name}`)
      })
    } else {
      const alive = cluster.workers.filter((w) => !dead.has(w) && cluster.sim.isUp(w))
      // One node always stays, so there is somewhere to run.
      if (alive.length <= 1) continue
      const host = pick(alive)
      const downMs = Math.min(options.untilMs - clock.now(), 1000 + Math.floor(random() * 9000))
      dead.add(host)
      say(`${clock.now().toFixed(0)} ms node ${host} dies for ${downMs} ms`)
      void cluster.kill(host)
      clock.setTimeout(() => {
        dead.delete(host)
        void cluster.restart(host)
      }, downMs)
    }
  }
  return { done, failed }
}
