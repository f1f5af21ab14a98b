/**
 * Starting actor hosts as child processes: the command line for Node (through tsx, since Node 20
 * cannot strip types) or Deno, and a handle that waits for the host's `host ready` log line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { onLines } from './lines.ts'
import { stopChild } from './stop-child.ts'

export type HostRuntime = 'node' | 'deno'

export const CLI_MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url))

/** `nodeArgs` go to Node before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses); Deno ignores them. */
export function hostCommand(configPath: string, runtime: HostRuntime = 'node', nodeArgs: readonly string[] = []): { command: string; args: string[] } {
  if (runtime === 'deno') {
    return { command: denoBinary(), args: ['run', '-A', '--quiet', CLI_MAIN, 'host', '--config', configPath] }
  }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return { command: process.execPath, args: [...nodeArgs, '--import', tsx, CLI_MAIN, 'host', '--config', configPath] }
}

/** The deno binary shipped by the `deno` npm package, unless AK_DENO names another. */
export function denoBinary(): string {
  if (process.env.AK_DENO) return process.env.AK_DENO
  const bin = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url))
  return bin
}

export interface HostProcess {
  readonly child: ChildProcess
  /** Resolves with the parsed `host ready` log record; rejects if the process exits first. */
  readonly ready: Promise<Record<string, unknown>>
  readonly exited: Promise<number | null>
  /** Every stdout line so far (JSON logs). */
  readonly lines: string[]
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export function spawnHost(
  configPath: string,
  options: { runtime?: HostRuntime; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; nodeArgs?: readonly string[] } = {},
): HostProcess {
  const { command, args } = hostCommand(configPath, options.runtime, options.nodeArgs)
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
  const lines: string[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let stderr = ''
    onLines(child.stdout!, (line) => {
      lines.push(line)
      options.onLine?.(line)
      if (line.includes('"host ready"')) {
        try {
          resolve(JSON.parse(line) as Record<string, unknown>)
        } catch {
          // a non-JSON line that happens to contain the phrase: keep waiting
        }
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      options.onLine?.(chunk.trimEnd())
    })
    child.once('error', reject)
    void exited.then((code) => reject(new Error(`host ${configPath} exited with code ${code} before ready\n${stderr.slice(-4000)}\n${lines.slice(-20).join('\n')}`)))
  })
  ready.catch(() => {})
  return {
    child,
    ready,
    exited,
    lines,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(child, exited, { signal, killAfterMs: 10_000 }),
  }
}
