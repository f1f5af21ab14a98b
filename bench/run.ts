/**
 * The benchmark runner: `node --import tsx bench/run.ts <suite> [--quick]` (or `npm run bench --
 * <suite>`). Runs one suite, writes bench/results/<suite>.json (environment, date, parameters,
 * every repetition, medians, ratios), and prints a summary table. Progress goes to stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { environment, loadNow } from './lib/environment.ts'
import { summary, writeResult, type SuiteResult } from './lib/report.ts'
import type { Suite } from './lib/suite.ts'

/** Every suite, loaded on demand so that one suite's imports cost nothing to another. */
const SUITES: Readonly<Record<string, { description: string; load: () => Promise<Suite> }>> = {
  transport: {
    description: 'raw NATS client vs actor-to-actor through the runtime: one-way throughput and sequential request/reply',
    load: async () => (await import('./transport/suite.ts')).transportSuite,
  },
  disk: {
    description: 'write-ahead log group commit: durable 256-byte appends/s with 1, 16 and 256 concurrent appenders',
    load: async () => (await import('./disk/wal-suite.ts')).diskSuite,
  },
  etcd: {
    description: 'real etcd (Debian etcd-server), 1 and 3 members, fsync on: put throughput/latency at C=1/16/256, watch events, leader failover',
    load: async () => (await import('./store/etcd-suite.ts')).etcdSuite,
  },
  store: {
    description: 'actorkube store vs real etcd in one run: put throughput/latency (1 and 3 replicas, C=1/16/256), watch events, leader failover, CPU profile',
    load: async () => (await import('./store/store-suite.ts')).storeSuite,
  },
  api: {
    description: 'Kubernetes API of `actorkube up` over HTTPS and NATS: create/get/list/update at C=1/16/64 (p50/p99 vs the 1 s SLO), watch fan-out to W watchers',
    load: async () => (await import('./api/api-suite.ts')).apiSuite,
  },
  scheduling: {
    description: 'scheduler_perf-style scenarios through `actorkube up` (500/1,000/5,000 nodes): pods/s create->bound, latency p50/p99, vs kube-scheduler CI floors',
    load: async () => (await import('./scheduling/suite.ts')).schedulingSuite,
  },
  startup: {
    description: 'pod startup latency on hollow nodes (create -> Running/Ready at 20/100/500 pods/s, p50-p99 vs the 5 s SLO), RSS per node and per pod, the largest cluster reached',
    load: async () => (await import('./startup/suite.ts')).startupSuite,
  },
  chaos: {
    description: "issue 14's chaos goals through ChaosExperiments, a fresh actorkube up each: store leader kill -> next write, scheduler leader loss, dead worker, Service through a master kill, nats-server kill",
    load: async () => (await import('./chaos/chaos-suite.ts')).chaosSuite,
  },
}

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url))

function usage(): string {
  const names = Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(12)} ${s.description}`)
  return [
    'usage: bench/run.ts <suite> [--quick] [--keep] [--only=TEXT]',
    '',
    'suites:',
    ...names,
    '',
    '--quick      small counts, for smoke tests (writes bench/results/<suite>.quick.json)',
    '--keep       keep the scratch directory (configs, logs)',
    '--only=TEXT  run only measurements whose id contains TEXT (writes <suite>.partial.json)',
    '',
    'AK_BENCH_CPU_PROF=DIR writes a V8 CPU profile of every child process to DIR.',
  ].join('\n')
}

export async function main(argv: readonly string[]): Promise<number> {
  const onlyArg = argv.find((a) => a.startsWith('--only='))
  const only = onlyArg?.slice('--only='.length) || undefined
  const flags = new Set(argv.filter((a) => a.startsWith('--') && a !== onlyArg))
  const positional = argv.filter((a) => !a.startsWith('--'))
  for (const flag of flags) {
    if (!['--quick', '--keep', '--help'].includes(flag)) {
      process.stderr.write(`unknown option ${flag}\n\n${usage()}\n`)
      return 2
    }
  }
  if (flags.has('--help')) {
    process.stdout.write(`${usage()}\n`)
    return 0
  }
  if (positional.length !== 1) {
    process.stderr.write(`expected exactly one suite, got ${positional.length === 0 ? 'none' : positional.join(' ')}\n\n${usage()}\n`)
    return 2
  }
  const name = positional[0]!
  const entry = SUITES[name]
  if (!entry) {
    process.stderr.write(`unknown suite ${JSON.stringify(name)}; suites: ${Object.keys(SUITES).join(', ')}\n\n${usage()}\n`)
    return 2
  }
  const suite = await entry.load()
  const quick = flags.has('--quick')
  const workDir = await mkdtemp(join(tmpdir(), `ak-bench-${name}-`))
  const started = new Date()
  const loadAtStart = loadNow()
  const t0 = performance.now()
  const progress = (message: string) => {
    const elapsed = ((performance.now() - t0) / 1000).toFixed(1).padStart(6)
    process.stderr.write(`[${name} ${elapsed}s] ${message}\n`)
  }
  progress(`starting${quick ? ' (quick)' : ''}; load average ${loadAtStart.toFixed(2)} on ${availableParallelism()} cores; scratch ${workDir}`)
  try {
    const output = await suite.run({ quick, only, progress, workDir })
    const env = environment(loadAtStart)
    // The run itself loads the machine, so only the load before it tells whether others were busy.
    const busy = env.loadAverage.start > env.cores / 2
    const result: SuiteResult = {
      suite: name,
      date: started.toISOString(),
      quick,
      durationSeconds: (performance.now() - t0) / 1000,
      environment: env,
      ...output,
      notes: [
        ...output.notes,
        ...(busy
          ? [`the machine was busy (load average ${env.loadAverage.start} at start, ${env.loadAverage.end} at end, ${env.cores} cores): other work shared the cores, so rates are lower and noisier than on a quiet machine`]
          : []),
      ],
    }
    const path = join(RESULTS_DIR, `${name}${only ? '.partial' : quick ? '.quick' : ''}.json`)
    await writeResult(path, result)
    process.stdout.write(`${summary(result)}\n\nwrote ${path}\n`)
    return 0
  } finally {
    if (flags.has('--keep')) progress(`kept ${workDir}`)
    else await rm(workDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exit(1)
    },
  )
}
