/**
 * The whole cluster on virtual time, seed by seed (docs/simulation.md):
 * `npm run sim -- [--seed N | --seeds COUNT [--seed-base S]] [--nodes N] [--virtual-seconds S] [--jobs J] [--no-leader-faults] [--verbose]`,
 * or `npm run sim -- --experiment FILE [--seed N]` (a ChaosExperiment file, scripts/sim-experiment.ts).
 * Prints per seed the invariants held and virtual seconds simulated per wall second; for a failure
 * the seed, the first violated invariant, the messages around it and the one-line replay
 * command. Exits 1 if any seed failed.
 */
import { randomInt } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { integerFlag } from './cli-flags.ts'
import { experimentMain } from './sim-experiment.ts'
import { failureReport, summaryLine } from '../runtime/sim/report.ts'
import { runSeed } from '../runtime/sim/sim-run.ts'
import { DEFAULT_SIM_NODES } from '../runtime/sim/sim-cluster.ts'
import { runSeedsInWorkers, serveSeeds, type SeedReport } from './sim-pool.ts'

interface Options {
  readonly seeds: readonly number[]
  readonly nodes: number
  readonly virtualSeconds: number
  /** Worker processes running seeds side by side (reports still print in seed order). */
  readonly jobs: number
  readonly verbose: boolean
  /** Faults aimed at the current leaders (off: the schedule seeds drew before there were any). */
  readonly leaderFaults: boolean
  /** Internal: this process is one of a --jobs parent's workers. */
  readonly worker: boolean
}

function usage(): string {
  return [
    'usage: npm run sim -- [--seed N | --seeds COUNT [--seed-base S]] [--nodes N] [--virtual-seconds S] [--jobs J] [--no-leader-faults] [--verbose]',
    '',
    '   or: npm run sim -- --experiment FILE [--seed N] [--nodes N] [--verbose]   (a ChaosExperiment on the simulated cluster)',
    '',
    '--seed N             run this one seed (replay)',
    '--seeds COUNT        run COUNT seeds: S, S+1, ... (S random unless --seed-base; printed)',
    `--nodes N            hollow kubelet hosts (default ${DEFAULT_SIM_NODES})`,
    '--virtual-seconds S  after boot: S/2 of faults and workload, then up to S/2 to converge (default 60)',
    '--jobs J             run seeds in J worker processes side by side (default 1)',
    '--no-leader-faults   no faults aimed at the current leaders (the schedule seeds drew before them)',
    '--verbose            print every fault and workload action',
  ].join('\n')
}

export function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      'seed-base': { type: 'string' },
      nodes: { type: 'string' },
      'virtual-seconds': { type: 'string' },
      jobs: { type: 'string' },
      verbose: { type: 'boolean' },
      'no-leader-faults': { type: 'boolean' },
      worker: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) return 'help'
  const integer = integerFlag
  if (values.seed !== undefined && values.seeds !== undefined) throw new RangeError('--seed and --seeds: give one of them')
  let seeds: number[]
  if (values.worker) seeds = []
  else if (values.seed !== undefined) seeds = [integer('seed', values.seed, 0, 0)]
  else {
    const count = integer('seeds', values.seeds, 1, 1)
    const base = integer('seed-base', values['seed-base'], randomInt(0, 2 ** 31 - count), 0)
    seeds = Array.from({ length: count }, (_, i) => base + i)
  }
  return { seeds, nodes: integer('nodes', values.nodes, DEFAULT_SIM_NODES, 1), virtualSeconds: integer('virtual-seconds', values['virtual-seconds'], 60, 2), jobs: integer('jobs', values.jobs, 1, 1), verbose: values.verbose ?? false, leaderFaults: !values['no-leader-faults'], worker: values.worker ?? false }
}

export async function main(argv: readonly string[]): Promise<number> {
  // A ChaosExperiment file replayed in the simulation: its own flags (scripts/sim-experiment.ts).
  if (argv.some((a) => a === '--experiment' || a.startsWith('--experiment='))) return experimentMain(argv)
  let options: Options
  try {
    const parsed = parseOptions(argv)
    if (parsed === 'help') {
      process.stdout.write(`${usage()}\n`)
      return 0
    }
    options = parsed
  } catch (error) {
    process.stderr.write(`sim: ${error instanceof Error ? error.message : String(error)}\n${usage()}\n`)
    return 2
  }
  // A rejection nobody handled is a bug in the code under test: count it against the seed.
  const unhandled: unknown[] = []
  process.on('unhandledRejection', (reason) => void unhandled.push(reason))
  const runOne = (seed: number) => seedReport(seed, options, unhandled)
  if (options.worker) {
    serveSeeds(runOne)
    return new Promise<number>(() => {})
  }
  const say = (line: string) => process.stdout.write(`${line}\n`)
  say(`sim: seeds ${options.seeds.length === 1 ? options.seeds[0] : `${options.seeds[0]}..${options.seeds.at(-1)}`}, ${options.nodes} nodes, ${options.virtualSeconds} virtual s${options.jobs > 1 ? `, ${options.jobs} jobs` : ''}`)
  const started = performance.now()
  const failed: number[] = []
  let virtualMs = 0
  let wallMs = 0
  const print = (report: SeedReport) => {
    virtualMs += report.virtualMs
    wallMs += report.wallMs
    for (const line of report.lines) say(line)
    if (!report.held) failed.push(report.seed)
  }
  if (options.jobs > 1) {
    const childArgs = ['--nodes', String(options.nodes), '--virtual-seconds', String(options.virtualSeconds), ...(options.verbose ? ['--verbose'] : []), ...(options.leaderFaults ? [] : ['--no-leader-faults'])]
    try {
      await runSeedsInWorkers(fileURLToPath(import.meta.url), childArgs, options.seeds, options.jobs, print)
    } catch (error) {
      // A worker that died took its seed's report with it: the sweep failed, whatever the others say.
      say(`sim: ${error instanceof Error ? error.message : String(error)}`)
      return 1
    }
  } else {
    for (const seed of options.seeds) print(await runOne(seed))
  }
  say(`sim: ${options.seeds.length - failed.length}/${options.seeds.length} seeds held every invariant; ${(virtualMs / Math.max(1, wallMs)).toFixed(1)} virtual s per wall s per job, ${((performance.now() - started) / 1000).toFixed(1)} wall s in all${failed.length ? `; failed: ${failed.join(', ')}` : ''}`)
  return failed.length > 0 ? 1 : 0
}

/** One seed run and what to print about it; `unhandled` collects the process' unhandled rejections. */
async function seedReport(seed: number, options: Options, unhandled: unknown[]): Promise<SeedReport> {
  unhandled.length = 0
  const lines: string[] = []
  const say = (line: string) => void lines.push(line)
  const shape = { seed, nodes: options.nodes, virtualSeconds: options.virtualSeconds, leaderFaults: options.leaderFaults }
  const result = await runSeed(shape)
  if (options.verbose) for (const event of result.events) say(`  ${event}`)
  say(summaryLine(result))
  for (const r of result.results) if (options.verbose || !r.held) say(`  ${r.held ? 'held' : 'VIOLATED'} ${r.name}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''}`)
  if (unhandled.length > 0) say(`  note: ${unhandled.length} unhandled rejection(s), first: ${String(unhandled[0])}`)
  if (!result.held) say(failureReport(result, shape))
  return { seed, held: result.held, virtualMs: result.virtualMs, wallMs: result.wallMs, lines }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
