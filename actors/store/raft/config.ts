/** Tunables of one replica. Times are in ticks. */
export interface Config {
  /** Followers campaign after a random timeout in [electionTimeout, 2 * electionTimeout). */
  readonly electionTimeout: number
  /** The leader heartbeats every heartbeatTimeout ticks; must be well under electionTimeout. */
  readonly heartbeatTimeout: number
  /** Run a PreVote round before a real election, so a partitioned replica does not inflate terms. */
  readonly preVote: boolean
  /**
   * The leader steps down when it has not heard from a majority for an election timeout, and
   * replicas that heard from a leader within the timeout ignore vote requests (leader lease).
   */
  readonly checkQuorum: boolean
  /** Flow control: at most this many entries, and roughly this many payload bytes, per AppendEntries. */
  readonly maxEntriesPerMsg: number
  readonly maxBytesPerMsg: number
  /** Flow control: at most this many unacknowledged AppendEntries per follower. */
  readonly maxInflight: number
}

export const defaultConfig: Config = {
  electionTimeout: 10,
  heartbeatTimeout: 1,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMsg: 64,
  maxBytesPerMsg: 1 << 20,
  maxInflight: 256,
}

export function makeConfig(partial: Partial<Config> = {}): Config {
  const c = { ...defaultConfig, ...partial }
  const positive = ['electionTimeout', 'heartbeatTimeout', 'maxEntriesPerMsg', 'maxBytesPerMsg', 'maxInflight'] as const
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`raft config: ${k} must be a positive integer, got ${c[k]}`)
  }
  if (c.heartbeatTimeout >= c.electionTimeout) {
    throw new RangeError(`raft config: heartbeatTimeout (${c.heartbeatTimeout}) must be below electionTimeout (${c.electionTimeout})`)
  }
  return c
}
