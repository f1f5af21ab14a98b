/** served-watches.ts: the server half of resumable watches (keepalive answers, lapse), shared by the replica and the apiserver. */
import t from 'tap'
import { ServedWatches, type ServedWatch } from '../../actors/kit/served-watches.ts'

const watch = (id: string, owner?: string, seq = 0, aliveAt = 0): ServedWatch => ({ id, ...(owner !== undefined ? { owner } : {}), seq, aliveAt })

t.test('served watches - a keepalive renews the owner\'s watches and reports the last push sent to each, in the order asked', async (t) => {
  const served = new ServedWatches<ServedWatch>()
  served.add(watch('busy', 'c1', 2))
  served.add(watch('quiet', 'c1'))
  served.add(watch('theirs', 'c2', 5))
  t.same(served.keepAlive(['quiet', 'theirs', 'busy', 'gone'], 100, 'c1'), { missing: ['theirs', 'gone'], lastSeqs: [0, 0, 2, 0] })
  t.same([...served.values()].map((w) => [w.id, w.aliveAt]), [['busy', 100], ['quiet', 100], ['theirs', 0]], 'another client\'s watch is not renewed')
  t.same(served.keepAlive([], 100, 'c1'), { missing: [], lastSeqs: [] })
})

t.test('served watches - watches without an owner are renewed by any keepalive', async (t) => {
  const served = new ServedWatches<ServedWatch>()
  served.add(watch('w', undefined, 3))
  t.same(served.keepAlive(['w', 'x'], 7), { missing: ['x'], lastSeqs: [3, 0] })
  t.equal(served.get('w')?.aliveAt, 7)
})

t.test('served watches - lapse stops the watches not renewed since the cut-off', async (t) => {
  const served = new ServedWatches<ServedWatch>()
  served.add(watch('old', 'c', 0, 5))
  served.add(watch('edge', 'c', 0, 10))
  served.add(watch('new', 'c', 0, 20))
  t.same(served.lapse(10).map((w) => w.id), ['old'], 'renewed exactly at the cut-off is still alive')
  t.equal(served.size, 2)
  t.same(served.clear().map((w) => w.id), ['edge', 'new'])
  t.equal(served.size, 0)
})

t.test('served watches - a watch added under an id in use replaces it; delete returns what it stopped serving', async (t) => {
  const served = new ServedWatches<ServedWatch>()
  served.add(watch('w', 'c1', 4))
  served.add(watch('w', 'c2'))
  t.same(served.keepAlive(['w'], 1, 'c2'), { missing: [], lastSeqs: [0] })
  t.equal(served.delete('w')?.owner, 'c2')
  t.equal(served.delete('w'), undefined)
})
