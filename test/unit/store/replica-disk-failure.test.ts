/**
 * A store replica whose disk fails (a WAL write or fsync error, `disk.failed` from its disk child)
 * fails itself, in either state, so that its supervisor restarts it from what is on disk. The
 * states' catch-all handlers used to take `disk.failed` and ignore it: the replica went on without
 * persisting anything, and never caught up again.
 */
import t from 'tap'
import { createActor, createMachine, fromCallback, SimulatedClock } from 'xstate'
import type { DiskCommand } from '../../../actors/store/replica/protocol.ts'
import { storeKind } from '../../../actors/store/replica/store.kind.ts'
import { storeMachine } from '../../../actors/store/replica/replica.machine.ts'
import { seededRandom } from '../../../runtime/random.ts'

/** A disk child that answers recovery (or not) and fails the first persist. */
function failingDisk(recover: boolean) {
  return fromCallback<DiskCommand>(({ sendBack, receive }) => {
    receive((command) => {
      if (command.type === 'disk.recover') sendBack(recover ? { type: 'disk.recovered', entries: [] } : { type: 'disk.failed', message: 'EIO: recovery read' })
      else if (command.type === 'disk.persist') sendBack({ type: 'disk.failed', message: 'EIO: i/o error, write (chaos disk-error)' })
    })
  })
}

function start(recover: boolean) {
  const clock = new SimulatedClock()
  const options = storeKind.parseOptions({ dataDir: '/d', voters: ['s1'] })
  const logic = storeMachine.provide({ actors: { network: createMachine({}), disk: failingDisk(recover), metrics: createMachine({}) } as never })
  const actor = createActor(logic, { clock, input: { id: 's1', host: 'h1', options, env: { now: () => clock.now(), random: seededRandom(1) } } })
  const errors: unknown[] = []
  actor.subscribe({ error: (error) => errors.push(error) })
  actor.start()
  return { clock, actor, errors }
}

t.test('replica disk failure - a failed WAL write while running fails the replica', async (t) => {
  const { clock, actor, errors } = start(true)
  // A single voter campaigns and persists its vote within its election timeout.
  for (let i = 0; i < 100 && errors.length === 0; i++) clock.increment(10)
  t.equal(actor.getSnapshot().status, 'error')
  t.match(errors, [{ message: 'store: disk failed: EIO: i/o error, write (chaos disk-error)' }])
})

t.test('replica disk failure - a failed recovery fails the replica too', async (t) => {
  const { actor, errors } = start(false)
  t.equal(actor.getSnapshot().status, 'error')
  t.match(errors, [{ message: 'store: disk failed: EIO: recovery read' }])
})
