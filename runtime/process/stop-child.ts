import type { ChildProcess } from 'node:child_process'

/**
 * Stops a child process: `signal` first, SIGKILL if it has not exited after `killAfterMs`.
 * Resolves with its exit code (null when it died by a signal); at once if it already exited.
 */
export async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  options: { signal?: NodeJS.Signals; killAfterMs?: number } = {},
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  child.kill(options.signal ?? 'SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 5_000)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}
