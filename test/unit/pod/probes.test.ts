import t from 'tap'
import type { Container } from '../../../actors/kube/objects.ts'
import type { CriCommand, CriProbe, ProbeKind } from '../../../actors/pod/pod-protocol.ts'
import { T0, UID, makePod, runPod, type Harness } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }
const exec = { command: ['true'] }
const probes = (cs: CriCommand[]): CriProbe[] => cs.filter((c): c is CriProbe => c.type === 'cri.probe')
const answer = (h: Harness, p: CriProbe, ok: boolean, message?: string) =>
  h.reply({ type: 'cri.probeResult', name: p.name, kind: p.kind, seq: p.seq, ok, ...(message !== undefined ? { message } : {}) })
const ready = (h: Harness) => h.lastStatus().containerStatuses?.[0]?.ready
const podReady = (h: Harness) => h.lastStatus().conditions?.find((c) => c.type === 'Ready')?.status

function withProbes(container: Partial<Container>, terminationGracePeriodSeconds = 30) {
  const h = runPod(makePod({ terminationGracePeriodSeconds, containers: [{ name: 'app', image: 'nginx:1', ...container }] }), { backoff: BACKOFF })
  h.sandboxReady()
  h.take()
  h.started('app')
  return h
}

/** Advances until a probe of that kind is sent; returns it and how long that took. */
function nextProbe(h: Harness, kind: ProbeKind): { probe: CriProbe; after: number } {
  for (let after = 0; after <= 600_000; after += 100) {
    const p = probes(h.take()).find((c) => c.kind === kind)
    if (p) return { probe: p, after }
    h.advance(100)
  }
  throw new Error(`no ${kind} probe`)
}

t.test('probes - readiness: initial delay, period, thresholds; Ready follows it both ways', async (t) => {
  const readinessProbe = { exec, initialDelaySeconds: 5, periodSeconds: 2, successThreshold: 2, failureThreshold: 2 }
  const h = withProbes({ readinessProbe })
  t.equal(ready(h), false, 'not ready before the probe says so')
  t.equal(h.lastStatus().containerStatuses?.[0]?.started, true)
  const p1 = nextProbe(h, 'readiness')
  t.equal(p1.after, 5000, 'first probe after initialDelaySeconds')
  t.strictSame(p1.probe, { type: 'cri.probe', name: 'app', kind: 'readiness', probe: readinessProbe, seq: p1.probe.seq })
  answer(h, p1.probe, true)
  t.equal(ready(h), false, 'successThreshold 2')
  const p2 = nextProbe(h, 'readiness')
  t.equal(p2.after, 2000, 'then every periodSeconds')
  answer(h, p2.probe, true)
  t.equal(ready(h), true)
  t.equal(podReady(h), 'True')
  h.clear()
  const p3 = nextProbe(h, 'readiness')
  answer(h, p3.probe, false, 'HTTP 503')
  t.equal(ready(h), true, 'failureThreshold 2')
  t.strictSame(h.events(), ['Warning Unhealthy Readiness probe failed: HTTP 503'])
  answer(h, nextProbe(h, 'readiness').probe, false, 'HTTP 503')
  t.equal(ready(h), false)
  t.equal(podReady(h), 'False')
  t.equal(h.lastStatus().phase, 'Running')
  t.strictSame(
    h.take().filter((c) => c.type !== 'cri.probe'),
    [],
    'readiness never restarts',
  )
})

t.test('probes - readiness before its first success: failures retried after 100 ms doubling up to the period, one Unhealthy event for the quick ones', async (t) => {
  const readinessProbe = { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 }
  const h = withProbes({ readinessProbe })
  const gaps: number[] = []
  const first = nextProbe(h, 'readiness')
  t.equal(first.after, 0, 'the first probe as the container starts')
  answer(h, first.probe, false, 'connect ECONNREFUSED')
  for (let i = 0; i < 5; i++) {
    const next = nextProbe(h, 'readiness')
    gaps.push(next.after)
    answer(h, next.probe, false, 'connect ECONNREFUSED')
  }
  t.same(gaps, [100, 200, 400, 800, 1600], 'doubling while below the 2 s period')
  t.same(h.events().filter((e) => e.includes('Unhealthy')), ['Warning Unhealthy Readiness probe failed: connect ECONNREFUSED', 'Warning Unhealthy Readiness probe failed: connect ECONNREFUSED'], 'the first failure and the one that goes back to the period')
  const onPeriod = nextProbe(h, 'readiness')
  t.equal(onPeriod.after, 2000, 'then the period')
  answer(h, onPeriod.probe, true)
  t.equal(ready(h), true)
  const after = nextProbe(h, 'readiness')
  t.equal(after.after, 2000)
  answer(h, after.probe, false, 'HTTP 503')
  t.equal(nextProbe(h, 'readiness').after, 2000, 'once it has passed, a failure waits the period')
})

t.test('probes - a readiness probe that passes at once: the period from then on; liveness failures never retried early', async (t) => {
  const h = withProbes({ readinessProbe: { exec, periodSeconds: 10 }, livenessProbe: { exec, periodSeconds: 3, failureThreshold: 5 } })
  const cs = probes(h.take())
  t.same(cs.map((c) => c.kind).sort(), ['liveness', 'readiness'], 'both at start')
  answer(h, cs.find((c) => c.kind === 'readiness')!, true)
  answer(h, cs.find((c) => c.kind === 'liveness')!, false, 'exit 1')
  t.equal(ready(h), true)
  t.equal(nextProbe(h, 'liveness').after, 3000)
  t.equal(nextProbe(h, 'readiness').after, 7000, 'readiness on its 10 s period')
})

t.test('probes - liveness failure: Unhealthy, Killing, stop with the pod grace, restarted (at once the first time)', async (t) => {
  const livenessProbe = { exec, periodSeconds: 1, failureThreshold: 2 }
  const h = withProbes({ livenessProbe }, 7)
  t.equal(ready(h), true, 'no readiness probe: ready once running')
  const a = nextProbe(h, 'liveness')
  t.equal(a.after, 0, 'no initial delay')
  answer(h, a.probe, true)
  h.clear()
  answer(h, nextProbe(h, 'liveness').probe, false, 'exit 1')
  const last = nextProbe(h, 'liveness').probe
  answer(h, last, false, 'exit 1')
  t.strictSame(h.events(), [
    'Warning Unhealthy Liveness probe failed: exit 1',
    'Warning Unhealthy Liveness probe failed: exit 1',
    'Normal Killing Container app failed liveness probe, will be restarted',
  ])
  t.strictSame(h.take(), [{ type: 'cri.stopContainer', name: 'app', graceSeconds: 7 }])
  h.advance(5000)
  t.strictSame(h.take(), [], 'no probes while stopping')
  h.exited('app', 137)
  t.equal(h.lastStatus().containerStatuses?.[0]?.state?.terminated?.exitCode, 137)
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'app', image: 'nginx:1', livenessProbe }, env: {}, init: false, attempt: 1 }], 'its first restart: at once')
  h.started('app', 'process://app-2')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 1)
  // The old run's answer arrives late: ignored.
  answer(h, last, false, 'late')
  t.notOk(h.events().some((e) => e.includes('late')))
  const fresh = nextProbe(h, 'liveness').probe
  t.ok(fresh.seq > last.seq)
})

t.test('probes - liveness failure with restartPolicy Never: killed and not restarted', async (t) => {
  const h = runPod(makePod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'x', livenessProbe: { exec, failureThreshold: 1 } }] }))
  h.sandboxReady()
  h.started('app')
  answer(h, nextProbe(h, 'liveness').probe, false)
  t.strictSame(h.take(), [{ type: 'cri.stopContainer', name: 'app', graceSeconds: 30 }], 'terminationGracePeriodSeconds defaults to 30')
  h.exited('app', 143)
  h.advance(60_000)
  t.strictSame(h.take(), [])
  t.equal(h.lastStatus().phase, 'Failed')
})

t.test('probes - startup probe gates liveness and readiness and the started flag', async (t) => {
  const startupProbe = { exec, periodSeconds: 1, failureThreshold: 30 }
  const h = withProbes({ startupProbe, livenessProbe: { exec, initialDelaySeconds: 10 }, readinessProbe: { exec } })
  t.equal(h.lastStatus().containerStatuses?.[0]?.started, false)
  const s1 = nextProbe(h, 'startup')
  answer(h, s1.probe, false, 'connection refused')
  h.advance(2500)
  const sent = h.take()
  t.ok(probes(sent).every((p) => p.kind === 'startup'), 'only startup probes before it passes')
  for (const p of probes(sent)) answer(h, p, false, 'connection refused')
  t.equal(ready(h), false)
  const s2 = nextProbe(h, 'startup')
  answer(h, s2.probe, true)
  t.equal(h.lastStatus().containerStatuses?.[0]?.started, true)
  t.equal(ready(h), false, 'readiness still has to pass')
  const sentAfter = probes(h.take())
  t.strictSame(sentAfter.map((p) => p.kind), ['readiness'], 'readiness at once; liveness waits for its initial delay since the container started')
  h.advance(100)
  t.notOk(probes(h.take()).some((p) => p.kind === 'startup'), 'startup probing stopped')
  nextProbe(h, 'liveness')
  t.equal(h.clock.now() - T0, 10_000, 'liveness initialDelaySeconds counts from the container start (at T0)')
})

t.test('probes - startup probe failing its threshold kills the container', async (t) => {
  const h = withProbes({ startupProbe: { exec, failureThreshold: 1 } }, 3)
  answer(h, nextProbe(h, 'startup').probe, false, 'nope')
  t.strictSame(h.events().slice(-2), ['Warning Unhealthy Startup probe failed: nope', 'Normal Killing Container app failed startup probe, will be restarted'])
  t.strictSame(h.take(), [{ type: 'cri.stopContainer', name: 'app', graceSeconds: 3 }])
})

t.test('probes - stale results (older seq, or repeated) are ignored', async (t) => {
  const h = withProbes({ readinessProbe: { exec, periodSeconds: 1 } })
  const p1 = nextProbe(h, 'readiness').probe
  const p2 = nextProbe(h, 'readiness').probe
  answer(h, p2, true)
  t.equal(ready(h), true)
  h.clear()
  answer(h, p1, false, 'old')
  answer(h, p2, false, 'again')
  t.equal(ready(h), true)
  t.strictSame(h.events(), [])
  answer(h, { ...p2, seq: p2.seq + 1000 }, false, 'never sent')
  t.equal(h.done, false, `pod ${UID} is still running`)
  t.equal(ready(h), true, 'a single failed result is below the failure threshold (3): still ready')
})
