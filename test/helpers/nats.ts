/**
 * A real nats-server per test file: a fresh temp directory, a free port (`-p -1`), and a stop that
 * waits for the process to exit. Uses the runtime's own launcher so that tests exercise it too.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNatsServer, type NatsServerHandle } from '../../runtime/nats-server.ts'

/** What the helpers need of a tap test: somewhere to register cleanup. */
export interface TeardownOwner {
  teardown(fn: () => unknown): void
}

export interface TestNats {
  readonly url: string
  readonly port: number
  readonly pid: number | undefined
  /** Every line nats-server logged so far (its stderr). */
  readonly log: readonly string[]
  stop(): Promise<void>
}

/** A temp directory removed again at teardown. */
export async function tempDir(owner: TeardownOwner, prefix = 'ak-it-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  owner.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Starts nats-server with its data under `dir`. The caller stops it (after the hosts: a host whose
 * server is gone keeps reconnecting); {@link startNatsFor} does that through teardown.
 */
export async function startNats(dir: string): Promise<TestNats> {
  const log: string[] = []
  const handle: NatsServerHandle = await startNatsServer({ dir: join(dir, 'nats'), onLog: (line) => log.push(line) })
  return { url: handle.url, port: handle.port, pid: handle.process.pid, log, stop: () => handle.stop() }
}

/** A temp directory and a nats-server in it, both cleaned up at teardown. */
export async function startNatsFor(owner: TeardownOwner): Promise<TestNats & { readonly dir: string }> {
  const dir = await tempDir(owner)
  const nats = await startNats(dir)
  owner.teardown(() => nats.stop())
  return { ...nats, dir }
}
