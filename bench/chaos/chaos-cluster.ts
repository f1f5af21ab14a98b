/**
 * A fresh `actorkube up` for one chaos case (the api suite's startApiCluster, with the case's
 * shape), and the bench's own clients of it: one NATS connection to every nats-server (so the
 * bench rides over the loss of one, as the hosts do) carrying an ApiClient. A cluster with
 * workers serves machine-wide loopback addresses, so it holds the integration tests' loopback
 * lock (test/helpers/loopback-lock.ts) while it runs: no test cluster with nodes shares them.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiClient } from '../../runtime/apiserver/api-client.ts'
import type { ClusterInfo } from '../../runtime/cli/cluster-info.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { holdLoopbackAddresses } from '../../test/helpers/loopback-lock.ts'
import { startApiCluster, type ApiCluster } from '../api/cluster.ts'

export interface ChaosCluster {
  readonly up: ApiCluster
  readonly stateDir: string
  readonly cluster: string
  readonly storeReplicas: readonly string[]
  /** The front door's URL (`https://127.0.0.1:P`). */
  readonly frontDoor: string
  readonly natsServers: readonly string[]
  readonly transport: NatsTransport
  readonly api: ApiClient
  stop(): Promise<void>
}

export async function startChaosCluster(dir: string, args: readonly string[], workers: number): Promise<ChaosCluster> {
  const releases: (() => unknown)[] = []
  if (workers > 0) await holdLoopbackAddresses({ teardown: (fn) => releases.push(fn) })
  const release = async () => {
    for (const fn of releases.reverse()) await fn()
  }
  let up: ApiCluster
  try {
    // Hosts start slowly on a busy machine: up's default of 60 s to get them all up is not enough.
    up = await startApiCluster(dir, 240_000, ['--workers', String(workers), '--ready-timeout', '180000', ...args])
  } catch (error) {
    await release()
    throw error
  }
  const info = JSON.parse(await readFile(join(up.stateDir, 'cluster.json'), 'utf8')) as ClusterInfo
  const natsServers = [...(info.natsServers ?? [up.natsUrl])]
  const frontDoor = up.readyLine.match(/api (https:\/\/\S+) \(front door\)/)?.[1] ?? up.apiservers[0]!.origin
  const transport = await NatsTransport.connect({ servers: natsServers, name: 'bench-chaos' })
  const api = new ApiClient({ transport, cluster: up.cluster, apiservers: up.apiserverIds, timeoutMs: 5_000 })
  return {
    up,
    stateDir: up.stateDir,
    cluster: up.cluster,
    storeReplicas: info.store ?? up.apiserverIds,
    frontDoor,
    natsServers,
    transport,
    api,
    async stop() {
      await api.close().catch(() => {})
      await transport.close().catch(() => {})
      await up.stop()
      await release()
    },
  }
}
