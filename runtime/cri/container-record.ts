/**
 * What both runtimes keep per container, and its ContainerInfo view: listeners and callers get
 * snapshots, never the mutable record.
 */
import type { Random } from '../random.ts'
import type { ContainerExit, ContainerInfo, ContainerStateName, SandboxConfig } from './container-runtime.ts'

export interface ContainerRecord {
  readonly id: string
  readonly sandbox: { readonly id: string; readonly config: SandboxConfig }
  readonly name: string
  readonly attempt: number
  readonly image: string
  readonly imageID: string
  readonly createdAt: number
  state: ContainerStateName
  startedAt?: number
  exit?: ContainerExit
}

export function containerInfo(record: ContainerRecord, pid?: number): ContainerInfo {
  return {
    id: record.id,
    sandboxId: record.sandbox.id,
    podUid: record.sandbox.config.uid,
    name: record.name,
    attempt: record.attempt,
    image: record.image,
    imageID: record.imageID,
    state: record.state,
    ...(pid !== undefined && { pid }),
    createdAt: record.createdAt,
    ...(record.startedAt !== undefined && { startedAt: record.startedAt }),
    ...(record.exit && { finishedAt: record.exit.finishedAt, exitCode: record.exit.exitCode, reason: record.exit.reason }),
    ...(record.exit?.signal !== undefined && { signal: record.exit.signal }),
  }
}

/**
 * Sandbox and container ids: unique within the host, short (150,000 pods keep them), with a
 * random prefix so two runtimes' ids stay apart in logs.
 */
export function idGenerator(random: Random): () => string {
  const prefix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0')
  let next = 0
  return () => `${prefix}${(next++).toString(16).padStart(12, '0')}`
}

/** listContainers for both runtimes. */
export function filterContainers<R extends ContainerRecord>(
  records: Iterable<R>,
  filter: { readonly podUid?: string; readonly name?: string },
  pid: (record: R) => number | undefined = () => undefined,
): ContainerInfo[] {
  const out: ContainerInfo[] = []
  for (const record of records) {
    if (filter.podUid !== undefined && record.sandbox.config.uid !== filter.podUid) continue
    if (filter.name !== undefined && record.name !== filter.name) continue
    out.push(containerInfo(record, pid(record)))
  }
  return out
}
