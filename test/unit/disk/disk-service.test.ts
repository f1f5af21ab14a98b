/**
 * The store replica's `disk` child (runtime/store/disk-service.ts) on real files: a snapshot of
 * the replica's own state is written beside the WAL, so appends issued meanwhile are not held
 * back by it (they were, and every replica's snapshot stalled commits cluster-wide).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createActor, sendTo, setup } from 'xstate'
import type { DiskCommand, DiskOutcome } from '../../../actors/store/replica/protocol.ts'
import type { Entry } from '../../../actors/store/raft/types.ts'
import { nodeIo, type DiskIo } from '../../../runtime/disk/io.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { DiskService } from '../../../runtime/store/disk-service.ts'

const entry = (index: number): Entry => ({ term: 1, index, kind: 'command', data: new Uint8Array([index]) })

/** A parent that forwards commands to the disk child and keeps what it answers. */
function diskActor(service: DiskService) {
  const outcomes: DiskOutcome[] = []
  const waiters: { match: (o: DiskOutcome) => boolean; resolve: (o: DiskOutcome) => void }[] = []
  const machine = setup({
    types: { events: {} as DiskOutcome | { type: 'command'; command: DiskCommand } },
    actors: { disk: service.logic() },
  }).createMachine({
    invoke: { id: 'disk', src: 'disk' },
    on: {
      command: { actions: sendTo('disk', ({ event }) => (event as { command: DiskCommand }).command) },
      '*': {
        actions: ({ event }) => {
          const outcome = event as DiskOutcome
          outcomes.push(outcome)
          for (const w of waiters.splice(0)) (w.match(outcome) ? w.resolve(outcome) : waiters.push(w))
        },
      },
    },
  })
  const actor = createActor(machine).start()
  return {
    send: (command: DiskCommand) => actor.send({ type: 'command', command }),
    next: (match: (o: DiskOutcome) => boolean) => {
      const seen = outcomes.find(match)
      return seen ? Promise.resolve(seen) : new Promise<DiskOutcome>((resolve) => waiters.push({ match, resolve }))
    },
    outcomes,
    stop: () => actor.stop(),
  }
}

t.test('disk service - appends go on while a snapshot of the replica\'s own state is being written', async (t) => {
  t.setTimeout(20_000)
  const dir = await mkdtemp(join(tmpdir(), 'ak-disk-service-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let releaseSnapshot: () => void = () => {}
  const snapshotHeld = new Promise<void>((resolve) => (releaseSnapshot = resolve))
  let reachedFsync: () => void = () => {}
  const snapshotAtFsync = new Promise<void>((resolve) => (reachedFsync = resolve))
  // The snapshot's last step, the directory fsync after its rename, waits until the test says so.
  const io: DiskIo = {
    ...nodeIo,
    syncDir: async (path) => {
      if (!path.endsWith('snapshots')) return nodeIo.syncDir(path)
      reachedFsync()
      return snapshotHeld
    },
  }
  const service = new DiskService({ dir, log: silentLogger, io })
  const disk = diskActor(service)
  t.teardown(async () => {
    disk.stop()
    await service.closed()
  })

  disk.send({ type: 'disk.recover' })
  await disk.next((o) => o.type === 'disk.recovered')
  disk.send({ type: 'disk.persist', seq: 1, hardState: { term: 1, vote: 'r1', commit: 3 }, entries: [entry(1), entry(2), entry(3)] })
  await disk.next((o) => o.type === 'disk.persisted' && o.seq === 1)

  disk.send({ type: 'disk.saveSnapshot', snapshot: { meta: { index: 3, term: 1, voters: ['r1'] }, data: new Uint8Array(4096) } })
  await snapshotAtFsync
  // Held behind the snapshot (as a barrier would), this append would never be answered: tap's timeout fails the test.
  disk.send({ type: 'disk.persist', seq: 2, entries: [entry(4)] })
  await disk.next((o) => o.type === 'disk.persisted' && o.seq === 2)
  t.equal((await readdir(join(dir, 'snapshots'))).filter((f) => f.endsWith('.snap')).length, 1, 'the append was durable while the snapshot still waited for its directory fsync')

  releaseSnapshot()
  disk.send({ type: 'disk.persist', seq: 3, entries: [entry(5)] })
  await disk.next((o) => o.type === 'disk.persisted' && o.seq === 3)
  t.same(disk.outcomes.filter((o) => o.type === 'disk.failed'), [], 'nothing failed')
})
