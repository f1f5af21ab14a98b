/**
 * The whole cluster on virtual time, seed by seed (docs/simulation.md):
 * `npm run sim -- [--seed N | --seeds COUNT [--seed-base S]] [--nodes N] [--virtual-seconds S] [--verbose]`.
 * Prints per seed the invariants held and virtual seconds simulated per wall second; for a failure
 * the seed, the first violated invariant, the messages around it and the one-line replay
 * command. Exits 1 if any seed failed.
 */
import { randomInt } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { integerFlag } from './cli-flags.ts'
import { failureReport, summaryLine } from '../runtime/sim/report.ts'
import { runSeed } from '../runtime/sim/sim-run.ts'
import { DEFAULT_SIM_NODES } from '../runtime/sim/sim-cluster.ts'

interface Options {
  readonly seeds: readonly number[]
  readonly nodes: number
  readonly virtualSeconds: number
  readonly verbose: boolean
}

function usage(): string {
  return [
    'usage: npm run sim -- [--seed N | --seeds COUNT [--seed-base S]] [--nodes N] [--virtual-seconds S] [--verbose]',
    '',
    '--seed N             run this one seed (replay)',
    '--seeds COUNT        run COUNT seeds: S, S+1, ... (S random unless --seed-base; printed)',
    `--nodes N            hollow kubelet hosts (default ${DEFAULT_SIM_NODES})`,
    '--virtual-seconds S  after boot: S/2 of faults and workload, then up to S/2 to converge (default 60)',
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
      verbose: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) return 'help'
  const integer = integerFlag
  if (values.seed !== undefined && values.seeds !== undefined) throw new RangeError('--seed and --seeds: give one of them')
  let seeds: number[]
  if (values.seed !== undefined) seeds = [integer('seed', values.seed, 0, 0)]
  else {
    const count = integer('seeds', values.seeds, 1, 1)
    const base = integer('seed-base', values['seed-base'], randomInt(0, 2 ** 31 - count), 0)
    seeds = Array.from({ length: count }, (_, i) => base + i)
  }
  return { seeds, nodes: integer('nodes', values.nodes, DEFAULT_SIM_NODES, 1), virtualSeconds: integer('virtual-seconds', values['virtual-seconds'], 60, 2), verbose: values.verbose ?? false }
}

export async function main(argv: readonly string[]): Promise<number> {
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
  let unhandled: unknown[] = []
  process.on('unhandledRejection', (reason) => void unhandled.push(reason))
  const say = (line: string) => process.stdout.write(`${line}\n`)
  say(`sim: seeds ${options.seeds.length === 1 ? options.seeds[0] : `${options.seeds[0]}..${options.seeds.at(-1)}`}, ${options.nodes} nodes, ${options.virtualSeconds} virtual s`)
  const failed: number[] = []
  let virtualMs = 0
  let wallMs = 0
  for (const seed of options.seeds) {
    unhandled = []
    const result = await runSeed({ seed, nodes: options.nodes, virtualSeconds: options.virtualSeconds })
    virtualMs += result.virtualMs
    wallMs += result.wallMs
    if (options.verbose) for (const event of result.events) say(`  ${event}`)
    say(summaryLine(result))
    for (const r of result.results) if (options.verbose || !r.held) say(`  ${r.held ? 'held' : 'VIOLATED'} ${r.name}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''}`)
    if (unhandled.length > 0) say(`  note: ${unhandled.length} unhandled rejection(s), first: ${String(unhandled[0])}`)
    if (!result.held) {
      failed.push(seed)
      say(failureReport(result, { seed, nodes: options.nodes, virtualSeconds: options.virtualSeconds }))
    }
  }
  say(`sim: ${options.seeds.length - failed.length}/${options.seeds.length} seeds held every invariant; ${(virtualMs / Math.max(1, wallMs)).toFixed(1)} virtual s per wall s overall${failed.length ? `; failed: ${failed.join(', ')}` : ''}`)
  return failed.length > 0 ? 1 : 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
