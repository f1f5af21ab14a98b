/** What `actorkube up` records about the running cluster (`<state-dir>/cluster.json`), so other commands need no flags. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NatsTransport } from '../transport/nats-transport.ts'

export interface ClusterInfo {
  /** The first NATS server's URL (clients learn the others from it). */
  readonly nats?: string
  /** Every nats-server `up` started (a client connects to all, so it survives the loss of one). */
  readonly natsServers?: readonly string[]
  readonly cluster?: string
  readonly hosts?: readonly string[]
  /** The store replicas' ids. */
  readonly store?: readonly string[]
}

export function readClusterInfo(stateDir: string): ClusterInfo {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as ClusterInfo
  } catch {
    return {}
  }
}

/** The flags every cluster-facing command takes; unset ones come from `cluster.json`. */
export interface ClusterFlags {
  readonly nats?: string
  readonly stateDir: string
  readonly cluster?: string
}

/** Connects to the cluster's NATS for one command, runs `work`, and closes the connection. */
export async function withClusterConnection<T>(
  flags: ClusterFlags,
  name: string,
  work: (transport: NatsTransport, cluster: string, info: ClusterInfo) => Promise<T>,
): Promise<T> {
  const info = readClusterInfo(flags.stateDir)
  const servers = flags.nats ? [flags.nats] : (info.natsServers ?? (info.nats ? [info.nats] : []))
  if (servers.length === 0) throw new Error(`no NATS URL: pass --nats or run 'actorkube up --state-dir ${flags.stateDir}' first`)
  const transport = await NatsTransport.connect({ servers, name })
  try {
    return await work(transport, flags.cluster ?? info.cluster ?? 'c1', info)
  } finally {
    await transport.close()
  }
}
