/** What `actorkube up` records about the running cluster (`<state-dir>/cluster.json`), so other commands need no flags. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ClusterInfo {
  readonly nats?: string
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
