/** replica.ts: a replica that becomes leader announces { leader, term } once, for the clients (see protocol.ts). */
import t from 'tap'
import { Cluster, TICK_MS } from './replica-cluster.ts'

t.test('replica leader announcement - the new leader announces itself once per term it wins', async (t) => {
  const c = new Cluster()
  const first = c.elect()
  const fid = first.options.id
  t.same(c.announcements.map((a) => a.event), [{ type: 'store.leader', leader: fid, term: first.raft.term }], 'one announcement, by the leader, with its term')
  c.tick(50)
  t.equal(c.announcements.length, 1, 'a leader that keeps leading does not announce again')

  // The leader goes quiet (as if SIGSTOPped): the others elect a new one, which announces a newer term.
  c.isolated.add(fid)
  const stoppedAt = c.now
  const next = c.elect()
  const nid = next.options.id
  t.not(nid, fid)
  const second = c.announcements[1]
  t.same(second?.event, { type: 'store.leader', leader: nid, term: next.raft.term })
  t.ok(second!.event.term > first.raft.term, 'a newer term than the stopped leader')
  const electedAfter = second!.at - stoppedAt
  t.ok(electedAfter <= 40 * TICK_MS, `announced ${electedAfter} ms (simulated) after the leader went quiet`)
  t.equal(c.announcements.filter((a) => a.from === fid).length, 1, 'the cut-off leader announced nothing more')
})

t.test('replica leader announcement - made by the replica that has just won, nobody else', async (t) => {
  const c = new Cluster()
  for (let k = 0; k < 200 && c.announcements.length === 0; k++) c.tick()
  t.equal(c.announcements.length, 1, 'one election, one announcement')
  const { from, event } = c.announcements[0]!
  const winner = c.r(from)
  t.ok(winner.isLeader, `${from} leads`)
  t.equal(event.term, winner.raft.term, 'the term it leads in')
  c.tick(20)
  t.equal(c.announcements.length, 1, 'followers never announce')
  for (const r of c.followers()) t.equal(r.raft.lead, from, `${r.options.id} follows the announced leader`)
})
