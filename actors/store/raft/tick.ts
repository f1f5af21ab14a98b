/** The clock: election timeouts for followers and candidates, heartbeats and CheckQuorum for leaders. */
import type { Ctx } from './output.ts'
import { quorum } from './quorum.ts'
import { broadcastHeartbeat } from './replication.ts'
import { becomeFollower, campaign } from './roles.ts'

export function tick(ctx: Ctx): void {
  const { s } = ctx
  s.ticks++
  s.electionElapsed++
  if (s.role !== 'leader') {
    if (s.electionElapsed >= s.randomizedElectionTimeout) {
      s.electionElapsed = 0
      campaign(ctx, 'timeout')
    }
    return
  }
  s.heartbeatElapsed++
  if (s.electionElapsed >= s.config.electionTimeout) {
    s.electionElapsed = 0
    if (s.config.checkQuorum) {
      let active = 1
      for (const pr of s.progress.values()) {
        if (pr.recentActive) active++
        pr.recentActive = false
      }
      // A leader cut off from a majority cannot commit anyway; stepping down stops it from
      // serving stale reads and lets its clients go find the real leader.
      if (active < quorum(s.voters.length)) return becomeFollower(ctx, s.term, undefined)
    }
    s.leadTransferee = undefined
  }
  if (s.heartbeatElapsed >= s.config.heartbeatTimeout) {
    s.heartbeatElapsed = 0
    broadcastHeartbeat(ctx)
  }
}
