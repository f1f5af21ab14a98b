/**
 * `actorkube up` as a child process of a test: the real CLI (bin/actorkube.js) with its state in a
 * temp directory, its output collected line by line, and a teardown that stops it (SIGTERM, then
 * SIGKILL) and kills whatever it left behind, by pid, if a test failed before an orderly stop.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { kubectlFor, type Kubectl } from './kubectl.ts'
import { holdLoopbackAddresses } from './loopback-lock.ts'
import { tempDir, type TeardownOwner } from './nats.ts'
import { collectLines, exitOf, pidsWithArgument, type LineLog } from './processes.ts'
import { withTimeout } from './wait.ts'

export const BIN = fileURLToPath(new URL('../../bin/actorkube.js', import.meta.url))
export const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface UpProcess {
  readonly stateDir: string
  readonly child: ChildProcess
  readonly output: LineLog
  /** Resolves with the exit code (or signal) once `up` has exited. */
  readonly exited: Promise<number | NodeJS.Signals>
}

/** State dirs of `up`s this process started and has not stopped yet. */
const running = new Set<string>()

function killEverythingUnder(stateDir: string): void {
  for (const pid of pidsWithArgument(stateDir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

// tap ends a test file that runs past its timeout with SIGTERM, and teardowns do not run then:
// without this, the clusters it started would live on and load the machine for every later test.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const dir of running) killEverythingUnder(dir)
    process.exit(signal === 'SIGTERM' ? 143 : 130)
  })
}

/** Starts `actorkube up --state-dir <temp> ...args`; the caller waits for the lines it needs. */
export async function startUp(owner: TeardownOwner & { comment?(message: string): void }, args: readonly string[], options: { prefix?: string; stopTimeoutMs?: number; env?: Readonly<Record<string, string>>; prepare?: (stateDir: string) => Promise<void> } = {}): Promise<UpProcess> {
  // Worker hosts serve machine-wide loopback addresses: one such cluster at a time (loopback-lock.ts).
  const workers = args.indexOf('--workers')
  if (workers < 0 || Number(args[workers + 1]) > 0) await holdLoopbackAddresses(owner)
  const stateDir = await tempDir(owner, options.prefix ?? 'ak-up-')
  // `prepare`: files `up` should find in its state dir (a token file with more users, say).
  await options.prepare?.(stateDir)
  // `up` passes its environment on to the hosts (OTEL_* variables, for one).
  const env = options.env ? { ...process.env, ...options.env } : process.env
  const child = spawn(process.execPath, [BIN, 'up', '--state-dir', stateDir, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env })
  running.add(stateDir)
  const output = collectLines(child)
  const exited = exitOf(child)
  owner.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await withTimeout(exited, options.stopTimeoutMs ?? 20_000, 'up to stop').catch(() => child.kill('SIGKILL'))
    }
    killEverythingUnder(stateDir)
    running.delete(stateDir)
  })
  return { stateDir, child, output, exited }
}

export interface ReadyUp extends UpProcess {
  /** kubectl against this cluster's kubeconfig, with its own discovery cache. */
  readonly kubectl: Kubectl
  readonly kubeconfig: string
}

/**
 * `startUp`, then waits for `actorkube ready` (the contract: every host is up): what most
 * integration files do first. The cluster is shared by the file's cases.
 */
export async function startReadyUp(owner: TeardownOwner & { comment?(message: string): void }, args: readonly string[], options: Parameters<typeof startUp>[2] & { readyTimeoutMs?: number } = {}): Promise<ReadyUp> {
  const up = await startUp(owner, args, options)
  await up.output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: options.readyTimeoutMs ?? 120_000, what: '"actorkube ready"' })
  const kubeconfig = join(up.stateDir, 'kubeconfig')
  return { ...up, kubeconfig, kubectl: kubectlFor(kubeconfig, join(up.stateDir, 'kube-cache')) }
}
