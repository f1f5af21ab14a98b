/**
 * A store replica's `metrics` child: turns the replica's periodic stats, and its WAL's fsync
 * samples, into Prometheus metrics on the host's /metrics.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import type { ReplicaStats } from '../../actors/store/replica/protocol.ts'
import type { SyncSample } from '../disk/wal.ts'
import type { HostMetrics } from '../metrics.ts'

const FSYNC_BUCKETS = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 1]
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
const ROLES = ['follower', 'precandidate', 'candidate', 'leader']

export function storeMetricsLogic(replica: string, metrics: HostMetrics): AnyActorLogic {
  const labels = { replica }
  return fromCallback<ReplicaStats>(({ receive }) => {
    receive((stats) => {
      const s = stats.status
      metrics.gauge('actorkube_store_term', 'Raft term', labels, s.term)
      metrics.gauge('actorkube_store_commit_index', 'Highest log index known committed', labels, s.commit)
      metrics.gauge('actorkube_store_applied_index', 'Highest log index applied to the state machine', labels, s.applied)
      metrics.gauge('actorkube_store_last_index', 'Last log index', labels, s.lastIndex)
      metrics.gauge('actorkube_store_snapshot_index', 'Index of the latest snapshot', labels, s.snapshotIndex)
      metrics.gauge('actorkube_store_revision', 'MVCC revision', labels, s.revision)
      metrics.gauge('actorkube_store_watchers', 'Watches served by this replica', labels, s.watchers)
      metrics.gauge('actorkube_store_pending_requests', 'Client writes and reads waiting for commit or ReadIndex', labels, stats.pendingRequests)
      metrics.gauge('actorkube_store_leader_changes', 'Leader changes seen since the replica started', labels, stats.leaderChanges)
      for (const role of ROLES) metrics.gauge('actorkube_store_role', 'Raft role (1 for the current one)', { replica, role }, s.role === role ? 1 : 0)
      for (const size of stats.batchSizes) metrics.observe('actorkube_store_batch_writes', 'Client writes per proposed log entry', labels, size, BATCH_BUCKETS)
    })
  })
}

/** The WAL's group commits: fsync latency and how many appends each covered. */
export function observeSync(replica: string, metrics: HostMetrics): (sample: SyncSample) => void {
  const labels = { replica }
  return (sample) => {
    metrics.observe('actorkube_store_fsync_seconds', 'WAL fsync latency', labels, sample.seconds, FSYNC_BUCKETS)
    metrics.observe('actorkube_store_fsync_appends', 'WAL appends made durable by one fsync (group commit)', labels, sample.appends, BATCH_BUCKETS)
  }
}
