/**
 * Real kubectl (v1.32) for integration tests: run against a cluster's kubeconfig with its own
 * discovery cache directory and stdin closed (kubectl otherwise waits on it in some commands).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'

export interface KubectlRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export type Kubectl = (args: readonly string[], options?: { readonly kubeconfig?: string; readonly timeoutMs?: number }) => Promise<KubectlRun>

export const haveKubectl = (): Promise<boolean> => new Promise((resolve) => execFile('kubectl', ['version', '--client'], (error) => resolve(!error)))

export function kubectlFor(kubeconfig: string, cacheDir: string): Kubectl {
  return (args, options = {}) =>
    new Promise((resolve) => {
      const timeout = options.timeoutMs ?? 30_000
      const child = execFile('kubectl', ['--kubeconfig', options.kubeconfig ?? kubeconfig, '--cache-dir', cacheDir, ...args], { timeout }, (error, stdout, stderr) =>
        // Killed at the timeout, kubectl has no exit code of its own: 1, and stderr says why.
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr: error?.killed === true && error.code == null ? `${stderr}(kubectl killed: still running after ${timeout} ms)` : stderr }),
      )
      child.stdin?.end()
    })
}

/**
 * `kubectl <args> -o json`, parsed: tests read values from structured output, never from table
 * columns (a RESTARTS cell such as `1 (10s ago)` shifts every column after it). Throws with
 * kubectl's stderr when it fails, so a waitFor quotes it on timeout.
 */
export async function kubectlJson<T>(kubectl: Kubectl, args: readonly string[]): Promise<T> {
  const r = await kubectl([...args, '-o', 'json'])
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited with ${r.code}: ${r.stderr.trim()}`)
  return JSON.parse(r.stdout) as T
}

/** A long-running kubectl (`logs -f`, `get -w`); the caller kills it. */
export function spawnKubectl(kubeconfig: string, cacheDir: string, args: readonly string[]): ChildProcess {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  return child
}
