/**
 * Seeds of `npm run sim` spread over worker processes (`--jobs N`): each worker is this same
 * script in `--worker` mode, handed one seed at a time over IPC so that a slow seed does not hold
 * a whole slice back; reports come back to the parent, which prints them in seed order.
 */
import { fork, type ChildProcess } from 'node:child_process'

/** What one seed came to, as the parent prints it. */
export interface SeedReport {
  readonly seed: number
  readonly held: boolean
  readonly virtualMs: number
  readonly wallMs: number
  readonly lines: readonly string[]
}

type ToWorker = { readonly seed: number } | { readonly done: true }

/**
 * Runs `seeds` on `jobs` forks of `script` (started with `args`, plus this process' execArgv so
 * that the TypeScript loader comes along) and hands each report to `onReport` in seed order.
 */
export async function runSeedsInWorkers(script: string, args: readonly string[], seeds: readonly number[], jobs: number, onReport: (report: SeedReport) => void): Promise<void> {
  const queue = [...seeds]
  const waiting = new Map<number, SeedReport>()
  let nextToPrint = 0
  const deliver = (report: SeedReport) => {
    waiting.set(report.seed, report)
    for (let ready = waiting.get(seeds[nextToPrint]!); ready; ready = waiting.get(seeds[nextToPrint]!)) {
      waiting.delete(ready.seed)
      nextToPrint++
      onReport(ready)
    }
  }
  const worker = (child: ChildProcess) =>
    new Promise<void>((resolve, reject) => {
      let current: number | undefined
      const feed = () => {
        current = queue.shift()
        child.send((current === undefined ? { done: true } : { seed: current }) satisfies ToWorker)
      }
      child.on('message', (report: SeedReport) => {
        deliver(report)
        feed()
      })
      child.on('exit', (code, signal) => {
        if (current === undefined) resolve()
        else reject(new Error(`sim worker died running seed ${current} (${signal ?? `exit ${code}`})`))
      })
      feed()
    })
  const children = Array.from({ length: Math.min(jobs, seeds.length) }, () => fork(script, [...args, '--worker'], { execArgv: process.execArgv }))
  try {
    await Promise.all(children.map(worker))
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill()
  }
}

/** The worker side: runs each seed the parent sends and answers with its report; exits on done. */
export function serveSeeds(run: (seed: number) => Promise<SeedReport>): void {
  process.on('message', (message: ToWorker) => {
    // The simulation leaves no real timers or sockets behind, but a worker has nothing left to wait for.
    if ('done' in message) process.exit(0)
    run(message.seed).then(
      (report) => process.send!(report),
      (error: unknown) => {
        process.stderr.write(`sim worker: seed ${message.seed}: ${error instanceof Error ? error.stack : String(error)}\n`)
        process.exit(1)
      },
    )
  })
}
