/**
 * A store replica's `disk` child: the edge between the pure replica actor and its WAL and
 * snapshot files (runtime/disk). One service per replica, outliving actor restarts: a restarted
 * replica reopens its storage only after the previous incarnation's is closed.
 *
 * Ordering: WAL appends are issued in the order the replica asked for them, straight away, so
 * that group commit can merge them (runtime/disk/wal.ts). Recovery and snapshot installs are
 * barriers: appends that come after one wait until it is done. A snapshot the replica took of
 * its own applied state is not: it covers entries already durable in the WAL, its file is written
 * beside the WAL (temp file, fsync, rename) and compaction then drops only segments it covers and
 * never the one being appended to, so appends go on meanwhile. As a barrier, every replica's
 * tens-of-megabytes snapshot (all take it at the same index) stalled commits cluster-wide for
 * over a second, and leaders lost their Leases.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import type { DiskCommand, DiskOutcome, DiskPersist } from '../../actors/store/replica/protocol.ts'
import type { Clock } from '../clock.ts'
import type { DiskIo } from '../disk/io.ts'
import { ReplicaStorage } from '../disk/replica-storage.ts'
import type { SyncSample } from '../disk/wal.ts'
import type { Logger } from '../log.ts'

export interface DiskServiceOptions {
  readonly dir: string
  readonly log: Logger
  readonly onSync?: (sample: SyncSample) => void
  /** The file operations: the simulation's MemoryDisk, or tests holding an fsync back; node's by default. */
  readonly io?: DiskIo
  /** Times the WAL's fsync samples (runtime/disk/wal.ts); performance.now() when absent. */
  readonly clock?: Pick<Clock, 'monotonic'>
}

export class DiskService {
  readonly #o: DiskServiceOptions
  #closing: Promise<void> = Promise.resolve()
  /** Work that must finish before the next append is issued; undefined when appends may go straight out. */
  #lane: Promise<void> | undefined
  #laneDepth = 0

  constructor(options: DiskServiceOptions) {
    this.#o = options
  }

  /** Resolves once the current incarnation's storage is closed (the host awaits it on stop). */
  closed(): Promise<void> {
    return this.#closing
  }

  logic(): AnyActorLogic {
    return fromCallback<DiskCommand>(({ sendBack, receive }) => {
      let open = true
      let storage: ReplicaStorage | undefined
      let nextIndex = 1
      const reply = (outcome: DiskOutcome) => {
        if (open) sendBack(outcome)
      }
      const fail = (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        this.#o.log.error({ dir: this.#o.dir, error: message }, 'store disk failure')
        reply({ type: 'disk.failed', message })
      }
      const previous = this.#closing
      this.#lane = undefined
      this.#laneDepth = 0

      const persist = async (c: DiskPersist): Promise<void> => {
        const s = storage!
        if (c.snapshot) {
          await s.installSnapshot(c.snapshot)
          nextIndex = c.snapshot.meta.index + 1
          this.#o.log.info({ dir: this.#o.dir, index: c.snapshot.meta.index, bytes: c.snapshot.data.length }, 'store installed a snapshot from the leader')
        }
        const first = c.entries?.[0]
        const truncateFrom = first !== undefined && first.index < nextIndex ? first.index : undefined
        const last = c.entries?.at(-1)
        if (last !== undefined) nextIndex = last.index + 1
        return s.append({
          ...(truncateFrom !== undefined ? { truncateFrom } : {}),
          ...(c.entries ? { entries: c.entries } : {}),
          ...(c.hardState ? { hardState: c.hardState } : {}),
        })
      }

      receive((command) => {
        switch (command.type) {
          case 'disk.recover':
            this.#schedule(async () => {
              await previous
              storage?.close().catch(() => {})
              const opened = await ReplicaStorage.open(this.#o.dir, { ...(this.#o.onSync ? { onSync: this.#o.onSync } : {}), ...(this.#o.io ? { io: this.#o.io } : {}), ...(this.#o.clock ? { clock: this.#o.clock } : {}) })
              storage = opened.storage
              const { state } = opened
              if (state.tailRepair) this.#o.log.warn({ dir: this.#o.dir, repair: state.tailRepair }, 'store WAL: cut a torn tail')
              for (const skipped of state.skippedSnapshots) this.#o.log.warn({ dir: this.#o.dir, ...skipped }, 'store: skipped an unreadable snapshot')
              nextIndex = (state.entries.at(-1)?.index ?? state.snapshot?.meta.index ?? 0) + 1
              this.#o.log.info({ dir: this.#o.dir, entries: state.entries.length, snapshot: state.snapshot?.meta.index ?? 0, term: state.hardState?.term ?? 0 }, 'store recovered')
              reply({
                type: 'disk.recovered',
                entries: state.entries,
                ...(state.hardState ? { hardState: state.hardState } : {}),
                ...(state.snapshot ? { snapshot: state.snapshot } : {}),
              })
            }, true).catch(fail)
            return
          case 'disk.persist':
            this.#schedule(() => persist(command), command.snapshot !== undefined).then(() => reply({ type: 'disk.persisted', seq: command.seq }), fail)
            return
          case 'disk.saveSnapshot':
            this.#schedule(() => storage!.saveSnapshot(command.snapshot), false).catch(fail)
            return
        }
      })

      return () => {
        open = false
        const lane = this.#lane ?? Promise.resolve()
        this.#closing = lane.catch(() => {}).then(() => storage?.close()).catch((error: unknown) => {
          this.#o.log.warn({ dir: this.#o.dir, error: String(error) }, 'store storage close failed')
        })
      }
    })
  }

  /**
   * Issues `work` now when nothing is ahead of it, else after what is. A barrier holds back
   * everything after it until it has finished; an append only until it has been issued.
   */
  #schedule(work: () => Promise<void>, barrier: boolean): Promise<void> {
    if (this.#laneDepth === 0 && !barrier) return work()
    this.#laneDepth++
    let result: Promise<void> = Promise.resolve()
    const ahead = this.#lane ?? Promise.resolve()
    const lane = ahead.then(() => {
      result = work()
      return barrier ? result : undefined
    })
    this.#lane = lane.catch(() => {}).finally(() => {
      this.#laneDepth--
    })
    return lane.then(() => result)
  }
}
