/**
 * A stopped engine stops acting at once (runtime/engine.ts): its API client sends nothing new and
 * resends nothing, and a call in flight rejects with ApiClientClosedError, even while the body's
 * own cleanup is still running. Found by the simulation (seeds 2, 9, 20, 22-26): a deposed
 * controller manager's ApiClient went on rotating a timed-out write through the apiservers, and
 * its action loop sent new writes, for up to 15 s after its term. Only an unfenced engine may keep
 * its client for its cleanup (the lease elector's release). On virtual time, silent apiservers.
 */
import t from 'tap'
import { createActor, type AnyActorLogic } from 'xstate'
import { ApiClientClosedError } from '../../runtime/apiserver/api-client.ts'
import { decodeEvent } from '../../runtime/codec.ts'
import { engine, type EngineContext, type EngineDeps } from '../../runtime/engine.ts'
import { silentLogger } from '../../runtime/log.ts'
import { seededRandom } from '../../runtime/random.ts'
import { MemoryNetwork } from '../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../runtime/subjects.ts'

const APISERVERS = ['api-1', 'api-2', 'api-3']
const FENCE = { lease: 'kube-controller-manager', holder: 'm1_x', term: 3 }

/** Apiservers that never answer, recording every request sent to them (virtual ms, method, path). */
function silentWorld() {
  const clock = new VirtualClock(0)
  const network = new MemoryNetwork(clock, seededRandom(1), { minLatencyMs: 1, maxLatencyMs: 1 })
  const sent: { at: number; to: string; what: string }[] = []
  for (const id of APISERVERS) {
    network.connect(id).subscribe(subjectFor('c1', { component: 'apiserver', instance: id }), (message) => {
      const call = decodeEvent(message.data) as { method?: string; path?: string }
      sent.push({ at: clock.now(), to: id, what: `${call.method} ${call.path}` })
    })
  }
  const deps: EngineDeps = { transport: network.connect('m1'), cluster: 'c1', clock, random: seededRandom(2), log: silentLogger }
  return { clock, deps, sent }
}

/** Runs the engine's body; returns the actor and how its first write ended. */
function startWriter(deps: EngineDeps, logic: (body: (ctx: EngineContext<{ type: 'x' }>) => { stop?: () => Promise<unknown> }) => AnyActorLogic, cleanup?: (ctx: EngineContext<{ type: 'x' }>) => Promise<unknown>) {
  const outcome: { error?: unknown } = {}
  const actor = createActor(
    logic((ctx) => {
      ctx.api.update('/apis/apps/v1/namespaces/default/replicasets/web', { metadata: { name: 'web' } }).catch((error: unknown) => {
        outcome.error = error
        // An action loop that writes again on failure, as a controller's does.
        void ctx.api.create('/api/v1/namespaces/default/pods', { metadata: { name: 'p' } }).catch(() => {})
      })
      return cleanup ? { stop: () => cleanup(ctx) } : {}
    }),
    { input: { fence: FENCE } },
  ).start()
  return { actor, outcome }
}

t.test('a stopped fenced engine sends nothing more, even while its cleanup still runs', async (t) => {
  const { clock, deps, sent } = silentWorld()
  let cleanupDone = false
  const slowCleanup = () => new Promise<void>((resolve) => clock.setTimeout(() => ((cleanupDone = true), resolve()), 20_000))
  const { actor, outcome } = startWriter(deps, (body) => engine('writer', deps, { apiservers: APISERVERS, timeoutMs: 5000 }, body), slowCleanup)
  clock.advance(1000)
  t.same(sent.map((s) => s.what), ['PUT /apis/apps/v1/namespaces/default/replicasets/web'], 'the write went out once before the stop')
  actor.stop()
  await Promise.resolve()
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
  t.ok(outcome.error instanceof ApiClientClosedError, `the write in flight failed at once with a clear error: ${String(outcome.error)}`)
  for (let ms = 0; ms < 30_000; ms += 500) {
    clock.advance(500)
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.ok(cleanupDone, 'the body cleanup ran to its end')
  t.same(sent.map((s) => s.what), ['PUT /apis/apps/v1/namespaces/default/replicasets/web'], 'no resend to another apiserver and no new write after the stop')
})

t.test('an unfenced engine that writes in its cleanup keeps its client until the cleanup settles', async (t) => {
  const { clock, deps, sent } = silentWorld()
  const release = (ctx: EngineContext<{ type: 'x' }>) => ctx.api.update('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l', { metadata: { name: 'l' } }).catch(() => {})
  const logic = (body: Parameters<typeof engine>[3]) => engine('elector', deps, { apiservers: APISERVERS, timeoutMs: 1000, closeApi: 'afterCleanup' }, body)
  const actor = createActor(logic((ctx) => ({ stop: () => release(ctx) }))).start()
  actor.stop()
  for (let ms = 0; ms < 5000; ms += 250) {
    await new Promise((resolve) => setImmediate(resolve))
    clock.advance(250)
  }
  t.same(sent.map((s) => s.what), ['PUT /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l'], 'the release was sent after the stop')
})

t.test('a fenced engine cannot keep its client past the stop', async (t) => {
  const { deps } = silentWorld()
  const logic = engine('leader', deps, { apiservers: APISERVERS, closeApi: 'afterCleanup' }, () => {})
  const errors: unknown[] = []
  const actor = createActor(logic, { input: { fence: FENCE } })
  actor.subscribe({ error: (error) => errors.push(error) })
  actor.start()
  t.match(String(errors[0]), /fenced engine's API client must close at stop/)
})
