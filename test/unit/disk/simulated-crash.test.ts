/**
 * A replica's storage (runtime/disk/replica-storage.ts) on the simulated disk, crashed at seeded
 * points: appends with group commit, truncations, segment rotation, snapshots and compaction, a
 * crash at any moment (fsyncs in flight, torn tails), then recovery. After every crash:
 *
 * - recovery succeeds and the Raft core can restart from what it returns;
 * - the log and hard state are what some prefix of the submitted records gives, a prefix that
 *   holds every acknowledged append (acknowledged means durable);
 * - the newest acknowledged snapshot, or a newer one, comes back.
 *
 * The disk also turns slow at times, or fails writes and fsyncs (EIO) until the next crash, and
 * after some crashes the newest of two or more snapshot files is damaged (cut one byte short).
 * Recovery then either falls back to the next one, with the log continuing from it (the entries
 * it returns are still a prefix of what was submitted), or refuses with StorageGapError, and only
 * when the log really does not continue from it (an install restarted the log above it); the
 * test then repairs the file and recovers again.
 *
 * DISK_CRASH_SEED=7 (or 7,8,9) replays seeds; every seed is printed. Bugs these seeds found:
 * - seeds 1, 14: a new segment's header repeated the latest SUBMITTED hard state ahead of
 *   its batch's entries; a torn write kept it without them (runtime/disk/wal.ts).
 * - seeds 3, 5-8, 14, 18, 19, 23: a crash inside installSnapshot, after the snapshot and
 *   before the log's truncation, left a WAL that refused the entry after the snapshot
 *   (runtime/disk/replica-storage.ts).
 * - seeds 2, 3, 5, 9, 10, 21: the newest snapshot damaged after an install had restarted the log
 *   above it: recovery fell back to the older one and started with the entries between the two
 *   missing (runtime/disk/replica-storage.ts).
 * - soak seed 798286663, a bug in this test's model: a crash cut an install short (snapshot 96
 *   durable, its restart record not); recovery finished it by restarting the log at 97, but the
 *   model kept the entries below (91-93) as the next round's base log, so when snapshot 96 was
 *   damaged it took the correct refusal to fall back to 90 for a wrong one.
 */
import t from 'tap'

import { restore } from '../../../actors/store/raft/state.ts'
import type { Entry, HardState, Snapshot } from '../../../actors/store/raft/types.ts'
import { ReplicaStorage, StorageGapError, type ReplicaState } from '../../../runtime/disk/replica-storage.ts'
import { seededRandom, type Random } from '../../../runtime/random.ts'
import { DiskCrashedError, MemoryDisk } from '../../../runtime/sim/memory-disk.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { flush } from '../../helpers/flush.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'
import { settle } from './helpers.ts'

/** 1-24, and soak seeds that once failed (see the list of bugs found above). */
const SEEDS = seedsFrom('DISK_CRASH_SEED', [...Array.from({ length: 24 }, (_, i) => i + 1), 798286663])
const ROUNDS = 8
const DIR = '/replica/r1'
const VOTERS = ['r1']

/** One WAL record as the storage writes it, in submission order. */
type SubmittedRecord =
  | { readonly type: 'truncate'; readonly from: number }
  | { readonly type: 'entry'; readonly entry: Entry }
  | { readonly type: 'hard-state'; readonly hardState: HardState }
  /** An installed snapshot at next - 1 replaced the whole log. */
  | { readonly type: 'restart'; readonly next: number }

/** The workload's view: what it submitted since the last recovery and what was acknowledged. */
interface Round {
  readonly base: ReplicaState
  /**
   * The log as recovered, including entries at or below the snapshot that the WAL may still
   * hold: recovery falls back to them when the newest snapshot is damaged.
   */
  readonly baseLog: ReadonlyMap<number, Entry>
  readonly records: SubmittedRecord[]
  /** Records covered by acknowledged appends: always a prefix (the WAL acknowledges in order). */
  ackedRecords: number
  /** Snapshots saved or installed and acknowledged, by index. */
  readonly ackedSnapshots: number[]
  readonly savedSnapshots: Map<number, Snapshot>
  /** Every snapshot saved or installed in any round, by index: a fallback may return an old one. */
  readonly everSaved: Map<number, Snapshot[]>
  /** Calls that failed other than by the crash (a WAL refusing an append is a bug). */
  readonly failures: string[]
}

function entryAt(index: number, term: number, random: Random): Entry {
  const data = new Uint8Array(8 + Math.floor(random() * 120))
  for (let i = 0; i < data.length; i++) data[i] = (index * 31 + term * 7 + i) & 0xff
  return { term, index, kind: 'command', data }
}

function snapshotAt(index: number, term: number): Snapshot {
  return { meta: { index, term, voters: VOTERS }, data: new TextEncoder().encode(`state at ${index}/${term}`) }
}

/**
 * Drives one incarnation: submits a random mix of appends, truncations and snapshots, stepping
 * the virtual clock in between, and returns when the seeded crash point is reached.
 */
async function runUntilCrash(storage: ReplicaStorage, round: Round, disk: MemoryDisk, clock: VirtualClock, random: Random): Promise<void> {
  const base = round.base
  let last = base.entries.at(-1)?.index ?? base.snapshot?.meta.index ?? 0
  let commit = Math.max(base.hardState?.commit ?? 0, base.snapshot?.meta.index ?? 0)
  let term = Math.max(base.hardState?.term ?? 0, 1)
  let snapshotFloor = base.snapshot?.meta.index ?? 0
  /** Terms of the log as submitted, to give a snapshot its index's term. */
  const terms = new Map<number, number>(base.entries.map((e) => [e.index, e.term]))
  if (base.snapshot) terms.set(base.snapshot.meta.index, base.snapshot.meta.term)
  let ackedCommit = commit
  const inFlight: Promise<unknown>[] = []
  let installing = false
  let failing = false
  const track = (promise: Promise<void>, onAck: () => void): void => {
    inFlight.push(
      promise.then(onAck, (error: unknown) => {
        // A crash ends work in flight, and an injected EIO ends the WAL: neither is a bug.
        const injected = error instanceof DiskCrashedError || (error as NodeJS.ErrnoException).code === 'EIO'
        if (!injected) round.failures.push(String(error))
      }),
    )
  }
  const steps = 5 + Math.floor(random() * 60)
  for (let step = 0; step < steps; step++) {
    // While a snapshot install is in flight nothing else is submitted (it is a barrier), and once the
    // disk fails nothing is (the replica stops on a disk failure); the crash still comes.
    const roll = installing || failing ? 1 : random()
    if (roll < 0.75) {
      // Raft overwrites only uncommitted entries, never below the snapshot.
      const truncateFrom = random() < 0.15 && last > commit ? commit + 1 + Math.floor(random() * (last - commit)) : undefined
      if (random() < 0.1) term++
      const from = truncateFrom ?? last + 1
      const count = Math.floor(random() * 5)
      const entries = Array.from({ length: count }, (_, k) => entryAt(from + k, term, random))
      last = count > 0 ? from + count - 1 : truncateFrom !== undefined ? truncateFrom - 1 : last
      for (const e of entries) terms.set(e.index, e.term)
      commit = Math.max(commit, Math.min(last, commit + Math.floor(random() * 4)))
      const hardState: HardState = { term, vote: 'r1', commit }
      const records: SubmittedRecord[] = [
        ...(truncateFrom !== undefined ? [{ type: 'truncate' as const, from: truncateFrom }] : []),
        ...entries.map((entry) => ({ type: 'entry' as const, entry })),
        { type: 'hard-state' as const, hardState },
      ]
      round.records.push(...records)
      const through = round.records.length
      const batchCommit = commit
      track(storage.append({ ...(truncateFrom !== undefined ? { truncateFrom } : {}), entries, hardState }), () => {
        round.ackedRecords = Math.max(round.ackedRecords, through)
        ackedCommit = Math.max(ackedCommit, batchCommit)
      })
    } else if (roll < 0.9) {
      // A snapshot of applied (acknowledged, committed) state; appends go on meanwhile.
      if (ackedCommit <= snapshotFloor) continue
      const index = snapshotFloor + 1 + Math.floor(random() * (ackedCommit - snapshotFloor))
      const snapshot = snapshotAt(index, terms.get(index) ?? 0)
      snapshotFloor = index
      remember(round, snapshot)
      track(storage.saveSnapshot(snapshot), () => round.ackedSnapshots.push(index))
    } else if (roll < 0.95) {
      // A snapshot from the leader replaces the log: a barrier, as in the disk service.
      await settle(clock, Promise.all(inFlight))
      const index = Math.max(last, snapshotFloor) + 1 + Math.floor(random() * 3)
      const snapshot = snapshotAt(index, term)
      snapshotFloor = index
      last = commit = index
      terms.set(index, term)
      remember(round, snapshot)
      round.records.push({ type: 'restart', next: index + 1 })
      const through = round.records.length
      installing = true
      track(storage.installSnapshot(snapshot), () => {
        round.ackedSnapshots.push(index)
        round.ackedRecords = Math.max(round.ackedRecords, through)
        ackedCommit = Math.max(ackedCommit, index)
      })
      inFlight.at(-1)?.finally(() => (installing = false))
    }
    // Now and then the disk turns slow, or starts failing writes and fsyncs until the crash.
    const fault = random()
    if (fault < 0.01) {
      disk.failWrites(true)
      failing = true
    }
    else if (fault < 0.03) disk.slow(fault < 0.02 ? 20 : 1)
    // Let the clock run a little: some fsyncs finish, others are still in flight at the crash.
    const tasks = Math.floor(random() * 4)
    for (let i = 0; i < tasks && clock.step(); i++) await flush()
    await flush()
  }
}

function remember(round: Round, snapshot: Snapshot): void {
  round.savedSnapshots.set(snapshot.meta.index, snapshot)
  const saved = round.everSaved.get(snapshot.meta.index) ?? []
  round.everSaved.set(snapshot.meta.index, [...saved, snapshot])
}

/** The log (index -> entry) and hard state after the base plus the first `count` records. */
function* replays(round: Round): Generator<{ count: number; log: Map<number, Entry>; last: number; hardState: HardState | undefined }> {
  const log = new Map<number, Entry>(round.baseLog)
  let last = round.base.entries.at(-1)?.index ?? round.base.snapshot?.meta.index ?? 0
  let hardState = round.base.hardState
  yield { count: 0, log, last, hardState }
  for (const [i, record] of round.records.entries()) {
    if (record.type === 'hard-state') hardState = record.hardState
    else if (record.type === 'entry') {
      log.set(record.entry.index, record.entry)
      last = record.entry.index
    } else if (record.type === 'restart') {
      log.clear()
      last = record.next - 1
    } else {
      for (let index = record.from; index <= last; index++) log.delete(index)
      last = record.from - 1
    }
    yield { count: i + 1, log, last, hardState }
  }
}

function sameEntry(a: Entry | undefined, b: Entry): boolean {
  return a !== undefined && a.index === b.index && a.term === b.term && Buffer.from(a.data).equals(b.data)
}

/** The newest snapshot file the test damaged after a crash, and the one recovery may fall back to. */
interface Damage {
  readonly path: string
  readonly index: number
  readonly fallback: number
  readonly original: Uint8Array
}

/** Why `state` is not what the round may leave behind; undefined when it is. */
function problemWith(state: ReplicaState, round: Round, damage: Damage | undefined): string | undefined {
  const snapshotIndex = state.snapshot?.meta.index ?? 0
  if (damage !== undefined) {
    if (snapshotIndex !== damage.fallback) return `snapshot ${damage.index} damaged: ${snapshotIndex} came back instead of ${damage.fallback}`
    if (state.skippedSnapshots.length === 0) return `snapshot ${damage.index} damaged, but recovery skipped no snapshot`
  } else {
    const newestAcked = Math.max(0, ...round.ackedSnapshots)
    if (snapshotIndex < newestAcked) return `snapshot ${snapshotIndex} came back, but ${newestAcked} was acknowledged`
    const baseIndex = round.base.snapshot?.meta.index ?? 0
    if (snapshotIndex < baseIndex) return `snapshot ${snapshotIndex} came back, older than ${baseIndex} recovered before`
  }
  if (state.snapshot) {
    const data = state.snapshot.data
    const saved = (round.everSaved.get(snapshotIndex) ?? []).some((s) => Buffer.from(s.data).equals(data))
    if (!saved) return `snapshot ${snapshotIndex} was never saved`
  }
  if (matchingLog(state, round) === undefined) {
    const lastRecovered = state.entries.at(-1)?.index ?? snapshotIndex
    return `no prefix of at least ${round.ackedRecords} of the ${round.records.length} submitted records gives the recovered log (${state.entries.length} entries up to ${lastRecovered}, snapshot ${snapshotIndex}, hard state ${JSON.stringify(state.hardState)})`
  }
  return undefined
}

/** The log of a replay (of at least the acknowledged records) that gives `state`, copied; undefined if none does. */
function matchingLog(state: ReplicaState, round: Round): Map<number, Entry> | undefined {
  const snapshotIndex = state.snapshot?.meta.index ?? 0
  const lastRecovered = state.entries.at(-1)?.index ?? snapshotIndex
  for (const replay of replays(round)) {
    if (replay.count < round.ackedRecords) continue
    if (JSON.stringify(replay.hardState) !== JSON.stringify(state.hardState)) continue
    if (Math.max(replay.last, snapshotIndex) !== lastRecovered) continue
    if (!state.entries.every((e) => sameEntry(replay.log.get(e.index), e))) continue
    // A log that ends below the snapshot is an install the crash cut short (its snapshot durable,
    // its restart record not): recovery finishes it by restarting the log above the snapshot, so
    // the entries below are gone and a fallback to an older snapshot must not count on them.
    return replay.last < snapshotIndex ? new Map() : new Map(replay.log)
  }
  return undefined
}

/**
 * Why refusing to fall back to `damage.fallback` was wrong; undefined when some replay of at
 * least the acknowledged records has a log that goes past it without the entry right after it.
 */
function wrongRefusal(round: Round, damage: Damage): string | undefined {
  for (const replay of replays(round)) {
    if (replay.count >= round.ackedRecords && replay.last > damage.fallback && !replay.log.has(damage.fallback + 1)) return undefined
  }
  return `snapshot ${damage.index} damaged: recovery refused, but the log continues from snapshot ${damage.fallback}`
}

t.test('replica storage on a simulated disk - acknowledged appends and snapshots survive seeded crashes; recovery never fails', async (t) => {
  const total = { tornTails: 0, fellBack: 0, refused: 0 }
  for (const seed of SEEDS) {
    t.comment(seedComment('DISK_CRASH_SEED', seed, import.meta.url))
    const run = await crashRepeatedly(seed)
    total.tornTails += run.tornTails
    total.fellBack += run.fellBack
    total.refused += run.refused
    t.equal(run.problem, undefined, `seed ${seed}: ${ROUNDS} crashes recovered, ${run.tornTails} torn WAL tails cut; a damaged newest snapshot fell back ${run.fellBack} times, was refused ${run.refused} times`)
  }
  // Coverage of the whole list, not of every seed: a replayed seed is judged by its own verdict.
  if (SEEDS.length > 1) {
    t.ok(total.tornTails > 0, `recovery met torn tails (${total.tornTails}), not only clean ends`)
    t.ok(total.fellBack > 0, `a damaged newest snapshot fell back to the older one (${total.fellBack})`)
    t.ok(total.refused > 0, `a damaged newest snapshot over a restarted log was refused (${total.refused})`)
  }
})

interface CrashRun {
  problem?: string
  tornTails: number
  /** Recoveries that fell back past a damaged newest snapshot, and ones that refused to. */
  fellBack: number
  refused: number
}

/** Crashes one replica's storage ROUNDS times: what went wrong, if anything, and how recovery met the damage. */
async function crashRepeatedly(seed: number): Promise<CrashRun> {
  const clock = new VirtualClock()
  const disk = new MemoryDisk(clock, seededRandom(seed), { fsyncMs: [0.5, 3] })
  const random = seededRandom(seed ^ 0x5eed)
  // Its own stream: the workload stays what it was before damage was added, until damage changes the disk.
  const damageRandom = seededRandom(seed ^ 0xda3a)
  const everSaved = new Map<number, Snapshot[]>()
  const run: CrashRun = { tornTails: 0, fellBack: 0, refused: 0 }
  let round: Round | undefined
  let damage: Damage | undefined
  for (let r = 0; r < ROUNDS; r++) {
    const open = () => settle(clock, ReplicaStorage.open(DIR, { io: disk.incarnation(), maxSegmentBytes: 1024, keepSnapshots: 2 }))
    let opened: Awaited<ReturnType<typeof ReplicaStorage.open>>
    try {
      opened = await open()
      if (damage !== undefined) run.fellBack++
    } catch (error) {
      if (!(round !== undefined && damage !== undefined && error instanceof StorageGapError)) return { ...run, problem: `round ${r}: recovery failed: ${String(error)}` }
      const wrong = wrongRefusal(round, damage)
      if (wrong !== undefined) return { ...run, problem: `round ${r}: ${wrong} (${error.message})` }
      run.refused++
      // Refusing changed nothing: with the snapshot repaired, recovery goes on as if it had never been damaged.
      await settle(clock, rewrite(disk, damage.path, damage.original))
      damage = undefined
      try {
        opened = await open()
      } catch (again) {
        return { ...run, problem: `round ${r}: recovery failed after the damaged snapshot was repaired: ${String(again)}` }
      }
    }
    const { storage, state } = opened
    if (state.tailRepair) run.tornTails++
    const problem = round && problemWith(state, round, damage)
    if (problem !== undefined) return { ...run, problem: `round ${r}: ${problem}` }
    try {
      restore({ id: 'r1', voters: VOTERS, seed, ...(state.hardState ? { hardState: state.hardState } : {}), ...(state.snapshot ? { snapshot: state.snapshot } : {}), entries: state.entries })
    } catch (error) {
      return { ...run, problem: `round ${r}: the Raft core cannot restart from the recovered state: ${String(error)}` }
    }
    const baseLog = (round && matchingLog(state, round)) ?? new Map(state.entries.map((e) => [e.index, e]))
    round = { base: state, baseLog, records: [], ackedRecords: 0, ackedSnapshots: [], savedSnapshots: new Map(), everSaved, failures: [] }
    if (state.snapshot && !everSaved.has(state.snapshot.meta.index)) everSaved.set(state.snapshot.meta.index, [state.snapshot])
    await runUntilCrash(storage, round, disk, clock, random)
    if (round.failures.length > 0) return { ...run, problem: `round ${r}: ${round.failures[0]}` }
    disk.crash()
    disk.failWrites(false)
    await flush()
    damage = damageRandom() < 0.3 ? await settle(clock, damageNewestSnapshot(disk)) : undefined
  }
  return run
}

const SNAPSHOT_FILE = /^snap-(\d{16})\.snap$/

/**
 * Cuts the newest snapshot file one byte short, if there are at least two: recovery should then
 * fall back to the next one. (With one, it would fall back to no snapshot, and the log below the
 * only one is compacted away: a double fault this test does not model.)
 */
async function damageNewestSnapshot(disk: MemoryDisk): Promise<Damage | undefined> {
  const dir = `${DIR}/snapshots`
  const names = await disk.readdir(dir).catch(() => [])
  const indexes = names.flatMap((name) => SNAPSHOT_FILE.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b)
  const index = indexes.at(-1)
  const fallback = indexes.at(-2)
  if (index === undefined || fallback === undefined) return undefined
  const path = `${dir}/snap-${String(index).padStart(16, '0')}.snap`
  const original = await disk.readFile(path)
  await disk.truncate(path, original.length - 1)
  return { path, index, fallback, original }
}

async function rewrite(disk: MemoryDisk, path: string, bytes: Uint8Array): Promise<void> {
  const file = await disk.create(path)
  try {
    await file.write(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
}
