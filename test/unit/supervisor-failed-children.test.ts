/**
 * XState 5.33 leaves the children of a failed actor running (statelyai/xstate#5153); the
 * supervisor stops them before it restarts the actor, so no old incarnation's child (a lease
 * elector, an engine, a pod) keeps acting next to the new one (sim seed 5012).
 */
import t from 'tap'
import { createActor, fromCallback, fromPromise, setup, SimulatedClock, spawnChild, type AnyActorLogic, type AnyActorRef } from 'xstate'
import { stopChildrenOfFailedActors } from '../../actors/kit/failed-actor-children.ts'
import { supervisorMachine } from '../../actors/kit/supervisor.ts'
import { leaderElectedMachine, type ElectorEvent } from '../../actors/leader/leader-elected.machine.ts'

/** Counts starts and cleanups of fromCallback actors by name and incarnation. */
class Lifecycles {
  readonly started: string[] = []
  readonly cleanedUp: string[] = []
  readonly aborted: string[] = []
  incarnation = 0

  callback(name: string) {
    return fromCallback(() => {
      const label = `${name}#${this.incarnation}`
      this.started.push(label)
      return () => this.cleanedUp.push(label)
    })
  }

  /** A promise that never settles; records its abort. */
  pending(name: string) {
    return fromPromise<void>(({ signal }) => {
      const label = `${name}#${this.incarnation}`
      signal.addEventListener('abort', () => this.aborted.push(label))
      return new Promise<void>(() => {})
    })
  }

  running(): string[] {
    return this.started.filter((label) => !this.cleanedUp.includes(label))
  }
}

/**
 * The supervised kind: invokes `watch` and a pending `fetch`, spawns a `node` machine that invokes
 * a `pod`; `boom` throws in the kind, `node.boom` throws in the node, which fails the kind unless it
 * `toleratesNodeFailure`.
 */
function kindMachine(life: Lifecycles, { toleratesNodeFailure = false } = {}) {
  const node = setup({ actors: { pod: life.callback('pod') } }).createMachine({
    invoke: { id: 'pod', src: 'pod' },
    on: {
      boom: {
        actions: () => {
          throw new Error('node failed')
        },
      },
    },
  })
  return setup({ actors: { watch: life.callback('watch'), fetch: life.pending('fetch'), node } }).createMachine({
    // The context is made first, before any child starts.
    context: () => {
      life.incarnation += 1
      return {}
    },
    entry: spawnChild('node', { id: 'node' }),
    invoke: [
      { id: 'watch', src: 'watch' },
      { id: 'fetch', src: 'fetch' },
    ],
    on: {
      boom: {
        actions: () => {
          throw new Error('kind failed')
        },
      },
      ...(toleratesNodeFailure ? { 'xstate.error.actor.node': {} } : {}),
      'node.boom': {
        actions: ({ self }) => (self.getSnapshot().children as Record<string, AnyActorRef>).node!.send({ type: 'boom' }),
      },
    },
  })
}

/** Supervises `logic`; `inspected` installs the system-wide inspector as the host does. */
function supervise(logic: AnyActorLogic, { childInput = undefined as unknown, inspected = false } = {}) {
  const clock = new SimulatedClock()
  const inspect = inspected ? { inspect: stopChildrenOfFailedActors } : {}
  const actor = createActor(supervisorMachine.provide({ actors: { child: logic } }), { clock, input: { childInput }, ...inspect })
  actor.start()
  const child = (): AnyActorRef => {
    const ref = actor.getSnapshot().children.child
    if (!ref) throw new Error(`no child while ${JSON.stringify(actor.getSnapshot().value)}`)
    return ref as AnyActorRef
  }
  return { clock, actor, child }
}

t.test('supervisor - a child that throws has its invoked and spawned children stopped before the restart', async (t) => {
  const life = new Lifecycles()
  const s = supervise(kindMachine(life))
  t.strictSame(life.running().sort(), ['pod#1', 'watch#1'])

  s.child().send({ type: 'boom' })
  t.equal(s.actor.getSnapshot().value, 'backingOff')
  t.strictSame(life.cleanedUp.sort(), ['pod#1', 'watch#1'], 'the failed incarnation’s callback and grandchild were cleaned up')
  t.strictSame(life.aborted, ['fetch#1'], 'its pending promise was aborted')
  t.strictSame(life.running(), [], 'nothing of it runs while backing off')

  s.clock.increment(100)
  t.equal(s.actor.getSnapshot().value, 'running')
  t.strictSame(life.running().sort(), ['pod#2', 'watch#2'], 'only the new incarnation’s children run')
  t.strictSame(life.cleanedUp.sort(), ['pod#1', 'watch#1'], 'each cleanup ran exactly once')
  t.strictSame(life.aborted, ['fetch#1'])
})

t.test('supervisor - a grandchild whose failure fails the child: with the host’s inspector, the children of both are stopped', async (t) => {
  const life = new Lifecycles()
  const s = supervise(kindMachine(life), { inspected: true })
  s.child().send({ type: 'node.boom' })
  t.equal(s.actor.getSnapshot().value, 'backingOff', 'the unhandled node failure failed the kind')
  t.equal(s.actor.getSnapshot().context.lastError, 'Error: node failed')
  t.strictSame(life.cleanedUp.sort(), ['pod#1', 'watch#1'], 'the failed node’s pod was stopped too')
  t.strictSame(life.aborted, ['fetch#1'])
  s.clock.increment(100)
  t.strictSame(life.running().sort(), ['pod#2', 'watch#2'])
})

t.test('supervisor - a leader-elected kind that fails while leading stops its elector and engine', async (t) => {
  const life = new Lifecycles()
  const electors: Array<(event: ElectorEvent) => void> = []
  const elector = fromCallback(({ sendBack }) => {
    life.incarnation += 1 // the elector starts with each incarnation, before any engine
    const label = `elector#${life.incarnation}`
    life.started.push(label)
    electors.push((event) => sendBack(event))
    return () => life.cleanedUp.push(label)
  })
  const logic = leaderElectedMachine('kube-controller-manager').provide({ actors: { elector, engine: life.callback('engine') } })
  const input = { id: 'kcm', host: 'master-1', options: { apiservers: ['apiserver-1'], leaseName: 'kube-controller-manager', leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 }, env: {} }
  const s = supervise(logic, { childInput: input })
  electors.at(-1)!({ type: 'leader.elected', identity: 'master-1_a', term: 1 })
  t.strictSame(life.running().sort(), ['elector#1', 'engine#1'], 'leading: elector and engine run')

  s.child().send({ type: 'engine.failed', message: 'informer died' })
  t.equal(s.actor.getSnapshot().value, 'backingOff')
  t.match(s.actor.getSnapshot().context.lastError, /kube-controller-manager: informer died/)
  t.strictSame(life.cleanedUp.sort(), ['elector#1', 'engine#1'], 'the old elector stopped renewing, the old engine stopped')

  s.clock.increment(100)
  t.strictSame(life.running(), ['elector#2'], 'the new incarnation campaigns from standby, alone')
  electors.at(-1)!({ type: 'leader.elected', identity: 'master-1_b', term: 2 })
  t.strictSame(life.running().sort(), ['elector#2', 'engine#2'])
})

t.test('stopChildrenOfFailedActors - a failure the parent handles still stops the failed actor’s children', async (t) => {
  for (const inspected of [false, true]) {
    const life = new Lifecycles()
    const kind = createActor(kindMachine(life, { toleratesNodeFailure: true }), inspected ? { inspect: stopChildrenOfFailedActors } : {})
    kind.start()
    kind.send({ type: 'node.boom' })
    t.equal(kind.getSnapshot().status, 'active', 'the kind handled its node’s failure')
    if (inspected) t.strictSame(life.running(), ['watch#1'], 'with the inspector, the failed node’s pod stopped')
    else t.strictSame(life.running().sort(), ['pod#1', 'watch#1'], 'without it, XState leaves the pod running (if this fails, XState fixed #5153)')
    kind.stop()
  }
})
