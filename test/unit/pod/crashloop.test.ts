import t from 'tap'
import { T0, UID, iso, makePod, runPod, type Harness } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 40_000, resetAfterMs: 100_000 }
const START_APP = (attempt: number) => ({ type: 'cri.startContainer', container: { name: 'app', image: 'nginx:1' }, env: {}, init: false, attempt })
const backOffEvent = `Warning BackOff Back-off restarting failed container app in pod web_default(${UID})`

/** Runs `app` for ranMs, lets it crash, and returns how long until the restart command came (0: at once). */
function crashAndTimeRestart(h: Harness, n: number, ranMs: number): number {
  h.started('app', `process://app-${n}`)
  h.advance(ranMs)
  h.take()
  h.exited('app', 1, `process://app-${n}`)
  let waited = 0
  while (h.take().length === 0) {
    h.advance(100)
    waited += 100
    if (waited > 1_000_000) throw new Error('no restart')
  }
  return waited
}

/** A pod whose app has run and crashed once, and was restarted at once (attempt 1 starting). */
function crashedOnce() {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.sandboxReady()
  h.started('app', 'process://app-1')
  h.advance(1000)
  h.clear()
  h.exited('app', 1, 'process://app-1', iso(T0))
  return h
}

t.test('pod - crash loop: the first exit is restarted at once, with no CrashLoopBackOff and no BackOff event', async (t) => {
  const h = crashedOnce()
  t.strictSame(h.take(), [START_APP(1)], 'restarted in the same step')
  t.strictSame(h.events(), [], 'no BackOff event')
  const app1 = { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(T0), finishedAt: iso(T0 + 1000), containerID: 'process://app-1' } }
  t.strictSame(h.lastStatus().containerStatuses, [
    {
      name: 'app',
      state: app1,
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'docker.io/library/nginx:1',
      imageID: 'docker.io/library/nginx:1@sha256:abc',
      containerID: 'process://app-1',
      started: false,
    },
  ], 'until the new run starts the status shows the exit (kubectl: Error)')
  t.equal(h.lastStatus().phase, 'Running', 'Always: a restarting container keeps the pod Running')
  t.strictSame(h.lastStatus().conditions?.[1], {
    type: 'Ready',
    status: 'False',
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [app]',
    lastTransitionTime: iso(T0 + 1000),
  })
  h.clear()
  h.started('app', 'process://app-2')
  t.strictSame(h.lastStatus().containerStatuses?.[0], {
    name: 'app',
    state: { running: { startedAt: iso(T0 + 1000) } },
    lastState: app1,
    ready: true,
    restartCount: 1,
    image: 'docker.io/library/nginx:1',
    imageID: 'docker.io/library/nginx:1@sha256:abc',
    containerID: 'process://app-2',
    started: true,
  })
  t.strictSame(h.events(), ['Normal Pulled Container image "nginx:1" already present on machine', 'Normal Created Created container app', 'Normal Started Started container app'])
})

t.test('pod - crash loop: the second exit waits 10 s in CrashLoopBackOff, then 20 s, 40 s, capped at 40 s', async (t) => {
  const h = crashedOnce()
  h.started('app', 'process://app-2')
  h.advance(1000)
  h.clear()
  h.exited('app', 137, 'process://app-2', iso(T0 + 1000))
  t.strictSame(h.events(), [backOffEvent])
  t.strictSame(h.lastStatus().containerStatuses, [
    {
      name: 'app',
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=app pod=web_default(${UID})` } },
      lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: iso(T0 + 1000), finishedAt: iso(T0 + 2000), containerID: 'process://app-2' } },
      ready: false,
      restartCount: 1,
      image: 'docker.io/library/nginx:1',
      imageID: 'docker.io/library/nginx:1@sha256:abc',
      containerID: 'process://app-2',
      started: false,
    },
  ])
  t.equal(h.lastStatus().phase, 'Running')
  h.advance(9900)
  t.strictSame(h.take(), [], 'not before 10 s')
  h.advance(100)
  t.strictSame(h.take(), [START_APP(2)])
  h.started('app', 'process://app-3')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 2)
  t.equal(h.lastStatus().containerStatuses?.[0]?.lastState?.terminated?.containerID, 'process://app-2')
  h.advance(1000)
  h.clear()
  h.exited('app', 1, 'process://app-3')
  t.equal(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.message, `back-off 20s restarting failed container=app pod=web_default(${UID})`)
  t.strictSame(h.events(), [backOffEvent])
  let waited = 0
  while (h.take().length === 0) {
    h.advance(100)
    waited += 100
  }
  t.equal(waited, 20_000)
  const waits = [4, 5, 6].map((n) => crashAndTimeRestart(h, n, 1000))
  t.strictSame(waits, [40_000, 40_000, 40_000], 'doubling stops at maxMs')
  t.equal(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.message, `back-off 40s restarting failed container=app pod=web_default(${UID})`)
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 5, 'the 6th restart counts once its container has started')
  h.started('app', 'process://app-7')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 6)
})

t.test('pod - crash loop: a run of resetAfterMs without failing resets the back-off, to an immediate restart', async (t) => {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.sandboxReady()
  h.take()
  const waits = [1, 2, 3, 4].map((n) => crashAndTimeRestart(h, n, 1000))
  t.strictSame(waits, [0, 10_000, 20_000, 40_000])
  h.clear()
  t.equal(crashAndTimeRestart(h, 5, 100_000), 0, 'ran 100 s: restarted at once')
  t.strictSame(h.events().filter((e) => e.includes('BackOff')), [], 'with no BackOff event')
  t.equal(crashAndTimeRestart(h, 6, 1000), 10_000, 'then 10 s again')
  t.equal(crashAndTimeRestart(h, 7, 99_900), 20_000, 'a shorter run does not reset it')
})

t.test('pod - crash loop: a start that fails after the immediate restart shows the exit as lastState', async (t) => {
  const h = crashedOnce()
  h.take()
  h.reply({ type: 'cri.containerFailed', name: 'app', reason: 'RunContainerError', message: 'refused' })
  const s = h.lastStatus().containerStatuses?.[0]
  t.strictSame(s?.state, { waiting: { reason: 'RunContainerError', message: 'refused' } })
  t.equal(s?.lastState?.terminated?.containerID, 'process://app-1')
  t.equal(s?.restartCount, 0)
  h.advance(10_000)
  t.strictSame(h.take(), [START_APP(1)], 'a failed start waits its own back-off')
  h.started('app', 'process://app-2')
  t.equal(h.lastStatus().containerStatuses?.[0]?.lastState?.terminated?.containerID, 'process://app-1')
})

t.test('pod - crash loop: the message prints Go durations', async (t) => {
  const h = runPod(makePod({}), { backoff: { initialMs: 250, maxMs: 90_000, resetAfterMs: 1_000_000 } })
  h.sandboxReady()
  h.started('app')
  h.exited('app', 1)
  h.started('app', 'process://app-2')
  h.exited('app', 1, 'process://app-2')
  t.match(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.message, /^back-off 250ms restarting/)
})
