/**
 * Random exploration of the seeded fault tests, kept out of `npm test` (which runs each test's fixed
 * seeds): `npm run soak -- [--seeds N] [--only NAME[,NAME]] [--seed-base S] [--jobs J] [--out FILE]`.
 * Each test runs over N fresh seeds (S, S+1, ...; S random unless given, printed either way) in
 * child processes with the test's seed variable set; the summary lists every failing seed with its
 * one-line replay command, and the exit code is 1 if any seed failed.
 */
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { integerFlag } from './cli-flags.ts'
import { replayCommand } from '../test/helpers/seeds.ts'

interface SeededTest {
  readonly file: string
  /** The variable the test reads its seeds from (comma-separated). */
  readonly envVar: string
  /** Seeds per child process: many for quick deterministic tests, one where a seed starts a cluster. */
  readonly batch: number
  /** A generous wall-clock bound per seed; the child is killed past batch * this (+ 30 s start-up). */
  readonly secondsPerSeed: number
}

/** The seeded tests (each reads its seeds through test/helpers/seeds.ts). */
const TESTS: Readonly<Record<string, SeededTest>> = {
  'store-linearizable': { file: 'test/integration/store-linearizable.test.ts', envVar: 'STORE_CHAOS_SEED', batch: 1, secondsPerSeed: 150 },
  'raft-fuzz': { file: 'test/unit/store/raft-fuzz.test.ts', envVar: 'RAFT_FUZZ_SEED', batch: 25, secondsPerSeed: 5 },
  'raft-safety': { file: 'test/unit/store/raft-safety.test.ts', envVar: 'RAFT_SAFETY_SEED', batch: 25, secondsPerSeed: 5 },
  'mvcc-model': { file: 'test/unit/store/mvcc-model.test.ts', envVar: 'MVCC_MODEL_SEED', batch: 10, secondsPerSeed: 10 },
  'pod-index': { file: 'test/unit/scheduler/pod-index.test.ts', envVar: 'POD_INDEX_SEED', batch: 10, secondsPerSeed: 10 },
  'sorted-keys': { file: 'test/unit/store/mvcc-sorted-keys.test.ts', envVar: 'SORTED_KEYS_SEED', batch: 10, secondsPerSeed: 10 },
  'check-generative': { file: 'test/unit/check/kv-generative.test.ts', envVar: 'CHECK_GEN_SEED', batch: 10, secondsPerSeed: 10 },
  'flow-control': { file: 'test/unit/apiserver/flowcontrol-flow-control.test.ts', envVar: 'FLOWCONTROL_SEED', batch: 10, secondsPerSeed: 5 },
  // The whole cluster in one process on virtual time (npm run sim runs the same seeds in-process).
  sim: { file: 'test/sim/seeds.test.ts', envVar: 'SIM_SEED', batch: 10, secondsPerSeed: 30 },
  'lease-elector-chaos': { file: 'test/unit/leader/lease-elector-chaos.test.ts', envVar: 'LEASE_ELECTOR_CHAOS_SEED', batch: 25, secondsPerSeed: 5 },
  'disk-crash': { file: 'test/unit/disk/simulated-crash.test.ts', envVar: 'DISK_CRASH_SEED', batch: 25, secondsPerSeed: 1 },
  'leader-fencing': { file: 'test/unit/leader/leader-fencing.test.ts', envVar: 'LEADER_FENCING_SEED', batch: 1, secondsPerSeed: 5 },
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Failure {
  readonly seed: number
  readonly replay: string
  readonly log: string
  /** Set when the seed failed in its batch but passed when run alone. */
  readonly note?: string
}

interface TestResult {
  readonly name: string
  readonly file: string
  readonly envVar: string
  seedsRun: number
  readonly failures: Failure[]
  seconds: number
}

interface Options {
  readonly seeds: number
  readonly seedBase: number
  readonly only: readonly string[]
  readonly jobs: number
  readonly out: string | undefined
}

function usage(): string {
  return [
    'usage: npm run soak -- [--seeds N] [--only NAME[,NAME]] [--seed-base S] [--jobs J] [--out FILE]',
    '',
    '--seeds N      fresh seeds per test (default 10)',
    '--only NAMES   comma-separated tests to run (default: all)',
    '--seed-base S  the seeds are S, S+1, ..., S+N-1 (default: random, printed)',
    '--jobs J       child processes at a time (default 1; the fault tests start clusters)',
    '--out FILE     also write the results as JSON to FILE',
    '',
    'tests:',
    ...Object.entries(TESTS).map(([name, test]) => `  ${name.padEnd(20)} ${test.envVar.padEnd(18)} ${test.file}`),
  ].join('\n')
}

/** Parses the command line; a bad value throws a RangeError naming it. */
export function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seeds: { type: 'string' },
      only: { type: 'string' },
      'seed-base': { type: 'string' },
      jobs: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) return 'help'
  const integer = integerFlag
  const seeds = integer('seeds', values.seeds, 10, 1)
  const only = values.only === undefined ? Object.keys(TESTS) : values.only.split(',').map((s) => s.trim())
  const unknown = only.filter((name) => !(name in TESTS))
  if (unknown.length > 0) throw new RangeError(`--only: unknown test ${unknown.join(', ')}; tests: ${Object.keys(TESTS).join(', ')}`)
  // Seeds stay within 31 bits so that every test's derived seeds are plain integers too.
  const seedBase = integer('seed-base', values['seed-base'], randomInt(0, 2 ** 31 - seeds), 0)
  return { seeds, seedBase, only, jobs: integer('jobs', values.jobs, 1, 1), out: values.out }
}

/** Checks that each chosen test file exists and still reads its seed variable. */
function checkRegistry(names: readonly string[]): void {
  for (const name of names) {
    const { file, envVar } = TESTS[name]!
    let source: string
    try {
      source = readFileSync(join(ROOT, file), 'utf8')
    } catch {
      throw new Error(`soak: test ${name}: ${file} does not exist (update TESTS in scripts/soak.ts)`)
    }
    if (!source.includes(`'${envVar}'`)) throw new Error(`soak: test ${name}: ${file} no longer reads ${envVar} (update TESTS in scripts/soak.ts)`)
  }
}

/** Runs one test file over `seeds` in a child process; resolves to whether it passed and its output. */
function runSeeds(test: SeededTest, seeds: readonly number[]): Promise<{ passed: boolean; output: string }> {
  return new Promise((resolve) => {
    // Its own process group, so a run past its bound is stopped with every server it started.
    const child = spawn(process.execPath, ['--import', 'tsx', test.file], {
      cwd: ROOT,
      env: { ...process.env, [test.envVar]: seeds.join(','), TAP_TIMEOUT: String(test.secondsPerSeed * seeds.length + 30) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const chunks: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => chunks.push(b))
    child.stderr.on('data', (b: Buffer) => chunks.push(b))
    const boundMs = (test.secondsPerSeed * seeds.length + 60) * 1000
    let timedOut = false
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      stop('SIGTERM')
      setTimeout(() => stop('SIGKILL'), 10_000).unref()
    }, boundMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      const output = Buffer.concat(chunks).toString('utf8') + (timedOut ? `\nsoak: stopped after ${boundMs / 1000} s\n` : '')
      resolve({ passed: code === 0 && !timedOut, output })
    })
  })
}

function saveLog(logDir: string, name: string, seeds: readonly number[], output: string): string {
  const path = join(logDir, `${name}-${seeds.length === 1 ? seeds[0] : `${seeds[0]}-${seeds.at(-1)}`}.tap`)
  writeFileSync(path, output)
  return path
}

/** Runs a batch; when it fails with more than one seed, runs each alone to name the failing ones. */
async function runBatch(name: string, seeds: readonly number[], result: TestResult, logDir: string, progress: (line: string) => void): Promise<void> {
  const test = TESTS[name]!
  const started = performance.now()
  const batch = await runSeeds(test, seeds)
  result.seedsRun += seeds.length
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`
  const label = seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds[0]}..${seeds.at(-1)}`
  if (batch.passed) {
    progress(`${name} ${label} ok (${seconds()})`)
    return
  }
  if (seeds.length === 1) {
    result.failures.push({ seed: seeds[0]!, replay: replayCommand(test.envVar, seeds[0]!, test.file), log: saveLog(logDir, name, seeds, batch.output) })
    progress(`${name} ${label} FAILED (${seconds()})`)
    return
  }
  const before = result.failures.length
  for (const seed of seeds) {
    const alone = await runSeeds(test, [seed])
    if (!alone.passed) result.failures.push({ seed, replay: replayCommand(test.envVar, seed, test.file), log: saveLog(logDir, name, [seed], alone.output) })
  }
  if (result.failures.length === before) {
    // Only together: name the whole batch, its replay is the list.
    const log = saveLog(logDir, name, seeds, batch.output)
    result.failures.push({ seed: seeds[0]!, replay: replayCommand(test.envVar, seeds.join(','), test.file), log, note: 'the batch failed, every seed passed alone' })
  }
  progress(`${name} ${label} FAILED: ${result.failures.slice(before).map((f) => f.seed).join(', ')} (${seconds()})`)
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
    checkRegistry(options.only)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}\n`)
    return 2
  }
  const { seeds: n, seedBase, only, jobs } = options
  const seeds = Array.from({ length: n }, (_, i) => seedBase + i)
  const logDir = mkdtempSync(join(tmpdir(), 'ak-soak-'))
  const t0 = performance.now()
  const progress = (line: string) => process.stderr.write(`[soak ${((performance.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${line}\n`)
  progress(`${only.join(', ')}: seeds ${seedBase}..${seedBase + n - 1}, ${jobs} at a time; logs in ${logDir}`)
  progress(`rerun this soak: npm run soak -- --seeds ${n} --seed-base ${seedBase} --only ${only.join(',')}`)

  const results = only.map((name): TestResult => ({ name, file: TESTS[name]!.file, envVar: TESTS[name]!.envVar, seedsRun: 0, failures: [], seconds: 0 }))
  const tasks = results.flatMap((result) => {
    const size = TESTS[result.name]!.batch
    return Array.from({ length: Math.ceil(n / size) }, (_, i) => ({ result, seeds: seeds.slice(i * size, (i + 1) * size) }))
  })
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const { result, seeds: batch } = tasks[next++]!
      const started = performance.now()
      await runBatch(result.name, batch, result, logDir, progress)
      result.seconds += (performance.now() - started) / 1000
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker))

  const failed = results.reduce((sum, r) => sum + r.failures.length, 0)
  const lines = [`soak: seeds ${seedBase}..${seedBase + n - 1} in ${((performance.now() - t0) / 1000).toFixed(0)} s`]
  for (const r of results) {
    lines.push(`  ${r.name.padEnd(20)} ${String(r.seedsRun).padStart(5)} seed${r.seedsRun === 1 ? '' : 's'} run, ${r.failures.length} failed (${r.seconds.toFixed(0)} s)`)
    for (const f of [...r.failures].sort((a, b) => a.seed - b.seed)) lines.push(`    seed ${f.seed}${f.note ? ` (${f.note})` : ''}: ${f.replay}    log: ${f.log}`)
  }
  lines.push(failed === 0 ? 'soak: every seed passed' : `soak: ${failed} failing seed${failed === 1 ? '' : 's'}`)
  process.stdout.write(`${lines.join('\n')}\n`)
  if (options.out !== undefined) {
    const json = { date: new Date().toISOString(), seedBase, seedsPerTest: n, tests: results }
    writeFileSync(options.out, `${JSON.stringify(json, null, 2)}\n`)
    progress(`wrote ${options.out}`)
  }
  return failed === 0 ? 0 : 1
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exit(1)
    },
  )
}
