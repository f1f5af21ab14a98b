/**
 * The `disk` suite: what group commit buys. C concurrent appenders each append one 256-byte entry
 * at a time and wait until it is durable; with more appenders in flight, each fsync carries more
 * records. The 1-appender case is the baseline: one fsync per record.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Wal, type SyncSample } from '../../runtime/disk/wal.ts'
import { median, repetition, summarize } from '../lib/stats.ts'
import type { Measurement, Ratio, Repetition, Suite, SuiteContext } from '../lib/suite.ts'

const ENTRY = new Uint8Array(256).fill(7)
const CONCURRENCY = [1, 16, 256] as const

interface AppendRun {
  readonly repetition: Repetition
  readonly fsyncs: number
  readonly fsyncP99Ms: number
}

async function appendRun(workDir: string, appenders: number, seconds: number): Promise<AppendRun> {
  const dir = await mkdtemp(join(workDir, `wal-${appenders}-`))
  const samples: SyncSample[] = []
  const { wal } = await Wal.open(dir, { onSync: (s) => samples.push(s) })
  let next = 1
  let acked = 0
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < deadline) {
        await wal.append({ entries: [{ term: 1, index: next++, kind: 'command', data: ENTRY }] })
        acked++
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  await wal.close()
  await rm(dir, { recursive: true, force: true })
  const latencies = samples.map((s) => s.seconds * 1000).sort((a, b) => a - b)
  return { repetition: repetition(acked, elapsed), fsyncs: samples.length, fsyncP99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 }
}

export const diskSuite: Suite = {
  name: 'disk',
  description: 'write-ahead log group commit: durable 256-byte appends/s with 1, 16 and 256 concurrent appenders',
  async run(context: SuiteContext) {
    const seconds = context.quick ? 0.5 : 2
    const repetitions = context.quick ? 1 : 3
    const measurements: Measurement[] = []
    const notes: string[] = []
    for (const appenders of CONCURRENCY) {
      const id = `wal.append.c${appenders}`
      if (context.only !== undefined && !id.includes(context.only)) continue
      context.progress(`${id}: warm-up + ${repetitions} x ${seconds} s`)
      const warmup = [(await appendRun(context.workDir, appenders, seconds / 2)).repetition]
      const runs: AppendRun[] = []
      for (let i = 0; i < repetitions; i++) runs.push(await appendRun(context.workDir, appenders, seconds))
      measurements.push(
        summarize({ id, label: `WAL append, ${appenders} appender(s)`, group: 'WAL durable appends', series: `C=${appenders}`, unit: 'records/s' }, warmup, runs.map((r) => r.repetition)),
      )
      const perFsync = median(runs.map((r) => r.repetition.count / Math.max(1, r.fsyncs)))
      const p99 = median(runs.map((r) => r.fsyncP99Ms))
      notes.push(`${id}: ${perFsync.toFixed(1)} records per fsync, fsync p99 ${p99.toFixed(2)} ms (medians over runs)`)
    }
    const ratios: Ratio[] = []
    const base = measurements.find((m) => m.id === 'wal.append.c1')
    for (const m of measurements) {
      if (!base || m === base) continue
      ratios.push({ id: `group-commit.${m.id}`, label: `${m.series} / C=1 (group commit gain)`, numerator: m.id, denominator: base.id, value: m.median / base.median })
    }
    return { parameters: { entryBytes: ENTRY.length, secondsPerRun: seconds, repetitions, concurrency: [...CONCURRENCY], fsync: 'one fsync per batch (group commit)' }, measurements, ratios, notes }
  },
}
