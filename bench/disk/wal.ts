/**
 * WAL micro-benchmark: records/s and fsyncs/s with 1, 16 and 256 concurrent appenders, each
 * appending one 256-byte entry at a time and waiting for it to be durable. Shows what group
 * commit buys: with more appenders in flight, each fsync carries more records.
 * Run: node --import tsx bench/disk/wal.ts [seconds per run, default 2]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Wal, type SyncSample } from '../../runtime/disk/wal.ts'

const seconds = Number(process.argv[2] ?? 2)
const data = new Uint8Array(256).fill(7)

async function run(appenders: number): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-walbench-'))
  const samples: SyncSample[] = []
  const { wal } = await Wal.open(dir, { onSync: (s) => samples.push(s) })
  let next = 1
  let acked = 0
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < deadline) {
        await wal.append({ entries: [{ term: 1, index: next++, kind: 'command', data }] })
        acked++
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  await wal.close()
  await rm(dir, { recursive: true, force: true })
  const latencies = samples.map((s) => s.seconds).sort((a, b) => a - b)
  return {
    appenders,
    recordsPerSecond: Math.round(acked / elapsed),
    fsyncsPerSecond: Math.round(samples.length / elapsed),
    recordsPerFsync: Number((acked / samples.length).toFixed(1)),
    fsyncP50Ms: Number(((latencies[Math.floor(latencies.length / 2)] ?? 0) * 1000).toFixed(3)),
    fsyncP99Ms: Number(((latencies[Math.floor(latencies.length * 0.99)] ?? 0) * 1000).toFixed(3)),
  }
}

const results = []
for (const appenders of [1, 16, 256]) results.push(await run(appenders))
console.log(JSON.stringify({ bench: 'disk/wal', entryBytes: data.length, secondsPerRun: seconds, results }, null, 2))
