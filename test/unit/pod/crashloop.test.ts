import t from 'tap'
import { T0, UID, iso, makePod, runPod, type Harness } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 40_000, resetAfterMs: 100_000 }

/** Runs `app` for ranMs, lets it crash, and returns how long until the restart command came. */
function crashAndTimeRestart(h: Harness, n: number, ranMs: number): number {
  h.started('app', `process://app-${n}`)
  h.advance(ranMs)
  h.exited('app', 1, `process://app-${n}`)
  h.take()
  let waited = 0
  while (h.take().length === 0) {
    h.advance(100)
    waited += 100
    if (waited > 1_000_000) throw new Error('no restart')
  }
  return waited
}

t.test('pod - crash loop: back-off 10s, 20s, 40s, then capped at 40s; status and events as Kubernetes shows them', async (t) => {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.sandboxReady()
  h.started('app', 'process://app-1')
  h.advance(1000)
  h.clear()
  h.exited('app', 1, 'process://app-1', iso(T0))
  t.strictSame(h.events(), [`Warning BackOff Back-off restarting failed container app in pod web_default(${UID})`])
  t.strictSame(h.lastStatus().containerStatuses, [
    {
      name: 'app',
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=app pod=web_default(${UID})` } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(T0), finishedAt: iso(T0 + 1000), containerID: 'process://app-1' } },
      ready: false,
      restartCount: 0,
      image: 'docker.io/library/nginx:1',
      imageID: 'docker.io/library/nginx:1@sha256:abc',
      containerID: 'process://app-1',
      started: false,
    },
  ])
  t.equal(h.lastStatus().phase, 'Running', 'Always: a restarting container keeps the pod Running')
  t.strictSame(h.lastStatus().conditions?.[1], {
    type: 'Ready',
    status: 'False',
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [app]',
    lastTransitionTime: iso(T0 + 1000),
  })
  h.clear()
  h.advance(9900)
  t.strictSame(h.take(), [], 'not before 10 s')
  h.advance(100)
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'app', image: 'nginx:1' }, env: {}, init: false, attempt: 1 }])
  h.started('app', 'process://app-2')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 1)
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.lastState?.terminated?.containerID, 'process://app-1')
  h.advance(1000)
  h.clear()
  h.exited('app', 137, 'process://app-2')
  t.equal(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.message, `back-off 20s restarting failed container=app pod=web_default(${UID})`)
  h.take()
  let waited = 0
  while (h.take().length === 0) {
    h.advance(100)
    waited += 100
  }
  t.equal(waited, 20_000)
  const waits = [3, 4, 5].map((n) => crashAndTimeRestart(h, n, 1000))
  t.strictSame(waits, [40_000, 40_000, 40_000], 'doubling stops at maxMs')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 4, 'the 5th restart counts once its container has started')
  h.started('app', 'process://app-6')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 5)
})

t.test('pod - crash loop: a run of resetAfterMs without failing resets the back-off', async (t) => {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.sandboxReady()
  h.take()
  const waits = [1, 2, 3].map((n) => crashAndTimeRestart(h, n, 1000))
  t.strictSame(waits, [10_000, 20_000, 40_000])
  t.equal(crashAndTimeRestart(h, 4, 100_000), 10_000, 'ran 100 s: back to the initial 10 s')
  t.equal(crashAndTimeRestart(h, 5, 1000), 20_000)
})

t.test('pod - crash loop: the message prints Go durations', async (t) => {
  const h = runPod(makePod({}), { backoff: { initialMs: 250, maxMs: 90_000, resetAfterMs: 1_000_000 } })
  h.sandboxReady()
  h.started('app')
  h.exited('app', 1)
  t.match(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.message, /^back-off 250ms restarting/)
})
