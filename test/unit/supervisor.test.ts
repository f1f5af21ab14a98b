import t from 'tap'
import { createActor, createMachine, SimulatedClock, type AnyActorRef } from 'xstate'
import { backoffDelay, DEFAULT_BACKOFF, supervisorMachine, type BackoffPolicy, type SupervisorEmitted } from '../../actors/kit/supervisor.ts'

/** A child that fails when told to, finishes when told to, and records each start. */
function fragileChild(starts: unknown[]) {
  return createMachine({
    id: 'fragile',
    entry: ({ self }) => {
      starts.push((self as AnyActorRef).id)
    },
    initial: 'up',
    states: {
      up: {
        on: {
          boom: {
            actions: () => {
              throw new Error('kaboom')
            },
          },
          finish: 'done',
        },
      },
      done: { type: 'final' },
    },
  })
}

function start(backoff?: BackoffPolicy) {
  const clock = new SimulatedClock()
  const starts: unknown[] = []
  const logic = supervisorMachine.provide({ actors: { child: fragileChild(starts) } })
  const actor = createActor(logic, { clock, input: { childInput: { name: 'c' }, ...(backoff ? { backoff } : {}) } })
  const emitted: SupervisorEmitted[] = []
  actor.on('supervisor.failed', (e) => emitted.push(e))
  actor.on('supervisor.restarted', (e) => emitted.push(e))
  actor.start()
  const child = (): AnyActorRef => {
    const ref = actor.getSnapshot().children.child
    if (!ref) throw new Error(`no child while ${JSON.stringify(actor.getSnapshot().value)}`)
    return ref as AnyActorRef
  }
  const fail = () => child().send({ type: 'boom' })
  const state = () => actor.getSnapshot().value
  const context = () => actor.getSnapshot().context
  /** retryInMs of the latest supervisor.failed event. */
  const lastRetry = (): number | undefined => {
    const failed = emitted.filter((e) => e.type === 'supervisor.failed').at(-1)
    return failed?.retryInMs
  }
  return { clock, actor, starts, emitted, child, fail, state, context, lastRetry }
}

t.test('supervisor - backoffDelay doubles from initialMs and caps at maxMs', async (t) => {
  const policy: BackoffPolicy = { initialMs: 100, maxMs: 1_000, stableMs: 5_000 }
  const table: Array<[number, number]> = [
    [0, 100], // treated as the first failure
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [6, 1_000],
    [100, 1_000], // no overflow for very long failure streaks
  ]
  for (const [failures, want] of table) t.equal(backoffDelay(policy, failures), want, `failure ${failures}`)
  t.equal(backoffDelay(DEFAULT_BACKOFF, 1_000), DEFAULT_BACKOFF.maxMs)
  t.equal(backoffDelay({ initialMs: 1, maxMs: Number.MAX_SAFE_INTEGER, stableMs: 1 }, 1_000), 2 ** 30, 'exponent is capped at 30')
})

t.test('supervisor - the child runs with the given input', async (t) => {
  let seen: unknown
  const clock = new SimulatedClock()
  const actor = createActor(
    supervisorMachine.provide({
      actors: {
        child: createMachine({
          entry: ({ event }) => {
            seen = (event as { input?: unknown }).input
          },
        }),
      },
    }),
    { clock, input: { childInput: { id: 'e1', options: { x: 1 } } } },
  )
  actor.start()
  t.strictSame(seen, { id: 'e1', options: { x: 1 } })
  t.equal(actor.getSnapshot().value, 'running')
  t.strictSame(actor.getSnapshot().context.backoff, DEFAULT_BACKOFF, 'default policy')
})

t.test('supervisor - a failing child is restarted after 100, then 200, then 400 ms', async (t) => {
  const s = start()
  t.equal(s.state(), 'running')
  t.equal(s.starts.length, 1)

  for (const [n, delay] of [[1, 100], [2, 200], [3, 400]] as const) {
    s.fail()
    t.equal(s.state(), 'backingOff', `failure ${n}: backing off`)
    t.equal(s.actor.getSnapshot().children.child, undefined, 'the failed child is gone')
    s.clock.increment(delay - 1)
    t.equal(s.state(), 'backingOff', `failure ${n}: still waiting at ${delay - 1} ms`)
    s.clock.increment(1)
    t.equal(s.state(), 'running', `failure ${n}: restarted after ${delay} ms`)
    t.equal(s.context().restarts, n)
    t.equal(s.starts.length, n + 1, 'a fresh child was started')
  }
  t.equal(s.context().consecutiveFailures, 3)
  t.equal(s.context().lastError, 'Error: kaboom')
  t.strictSame(s.emitted, [
    { type: 'supervisor.failed', error: 'Error: kaboom', restarts: 0, retryInMs: 100 },
    { type: 'supervisor.restarted', restarts: 1 },
    { type: 'supervisor.failed', error: 'Error: kaboom', restarts: 1, retryInMs: 200 },
    { type: 'supervisor.restarted', restarts: 2 },
    { type: 'supervisor.failed', error: 'Error: kaboom', restarts: 2, retryInMs: 400 },
    { type: 'supervisor.restarted', restarts: 3 },
  ])
  t.equal(s.actor.getSnapshot().status, 'active', 'the supervisor itself never fails')
})

t.test('supervisor - the restarted child is a working actor', async (t) => {
  const s = start()
  s.fail()
  s.clock.increment(100)
  s.child().send({ type: 'finish' })
  t.equal(s.state(), 'finished', 'events reach the new child')
})

t.test('supervisor - the backoff is capped at maxMs', async (t) => {
  const s = start({ initialMs: 100, maxMs: 300, stableMs: 60_000 })
  const delays: number[] = []
  for (let i = 0; i < 5; i++) {
    s.fail()
    delays.push(s.lastRetry() ?? -1)
    s.clock.increment(299)
    const early = s.state()
    s.clock.increment(1)
    t.equal(s.state(), 'running', `restart ${i + 1} happened by 300 ms`)
    if (delays.at(-1) === 300) t.equal(early, 'backingOff', `restart ${i + 1} waited the full cap`)
  }
  t.strictSame(delays, [100, 200, 300, 300, 300])
  t.equal(s.context().restarts, 5)
})

t.test('supervisor - the backoff resets once the child stays up for stableMs', async (t) => {
  const s = start({ initialMs: 100, maxMs: 10_000, stableMs: 1_000 })
  s.fail()
  s.clock.increment(100)
  s.fail()
  s.clock.increment(200)
  t.equal(s.context().consecutiveFailures, 2)

  s.clock.increment(999)
  s.fail()
  t.equal(s.context().consecutiveFailures, 3, 'up for 999 ms is not stable yet')
  s.clock.increment(400)

  s.clock.increment(1_000)
  t.equal(s.context().consecutiveFailures, 0, 'up for stableMs resets the streak')
  s.fail()
  t.equal(s.lastRetry(), 100, 'back to initialMs')
  s.clock.increment(100)
  t.equal(s.state(), 'running')
  t.equal(s.context().restarts, 4, 'restarts keep counting across resets')
})

t.test('supervisor - the stable timer restarts with every new child', async (t) => {
  const s = start({ initialMs: 100, maxMs: 10_000, stableMs: 1_000 })
  s.clock.increment(900) // first child up 900 ms
  s.fail()
  s.clock.increment(100) // restarted at 1000
  s.clock.increment(500) // second child up 500 ms; 1500 since start
  t.equal(s.context().consecutiveFailures, 1, 'the first child’s timer did not carry over')
  s.fail()
  t.equal(s.lastRetry(), 200)
})

t.test('supervisor - a child that finishes ends supervision', async (t) => {
  const s = start()
  s.child().send({ type: 'finish' })
  t.equal(s.state(), 'finished')
  t.equal(s.actor.getSnapshot().status, 'done')
  s.clock.increment(60_000)
  t.equal(s.starts.length, 1, 'no restart')
})

t.test('supervisor - stopping while backing off cancels the restart', async (t) => {
  const s = start()
  s.fail()
  s.actor.stop()
  s.clock.increment(1_000)
  t.equal(s.starts.length, 1)
  t.equal(s.emitted.filter((e) => e.type === 'supervisor.restarted').length, 0)
})

t.test('supervisor - a non-Error failure is described as a string', async (t) => {
  const clock = new SimulatedClock()
  const actor = createActor(
    supervisorMachine.provide({
      actors: {
        child: createMachine({
          on: {
            boom: {
              actions: () => {
                throw 'plain string'
              },
            },
          },
        }),
      },
    }),
    { clock, input: { childInput: undefined } },
  )
  actor.start()
  ;(actor.getSnapshot().children.child as AnyActorRef).send({ type: 'boom' })
  t.equal(actor.getSnapshot().context.lastError, 'plain string')
})

t.test('supervisor - supervisor.crash fails the running child from outside: stopped, restarted after the backoff, counted', async (t) => {
  const s = start()
  const first = s.child()
  s.actor.send({ type: 'supervisor.crash', reason: 'chaos actor-crash' })
  t.equal(s.state(), 'backingOff')
  t.equal(first.getSnapshot().status, 'stopped', 'the crashed child is stopped')
  s.actor.send({ type: 'supervisor.crash', reason: 'again' })
  t.equal(s.context().consecutiveFailures, 1, 'a crash while backing off changes nothing')
  s.clock.increment(100)
  t.equal(s.state(), 'running')
  t.equal(s.starts.length, 2, 'a fresh child was started')
  t.strictSame(s.emitted, [
    { type: 'supervisor.failed', error: 'crashed: chaos actor-crash', restarts: 0, retryInMs: 100 },
    { type: 'supervisor.restarted', restarts: 1 },
  ])
  s.fail()
  t.equal(s.lastRetry(), 200, 'a crash counts in the backoff like any failure')
})
