/**
 * Container lifecycle within one pod actor step: which container starts when (init containers
 * one by one, then all others), what a start, a start failure, an exit or a probe result does,
 * and restarts with back-off. Termination is pod-step.ts's.
 */
import type { ContainerState } from '../kube/objects.ts'
import { crashBackoff, goDuration, nextBackoffMs } from './backoff.ts'
import { type EnvObjects, envObjectRefs, expandCommand, resolveEnv } from './env.ts'
import { type ContainerRecord, initNames, podRef, record, regularNames } from './pod-core.ts'
import type { CriContainerExited, CriContainerFailed, CriContainerStarted, CriEnvObjectsRead, CriProbeResult, ProbeKind } from './pod-protocol.ts'
import { firstProbeDelayMs, newTracker, probePeriodMs, readinessRetryMs, takeResult } from './probes.ts'
import { type Turn, arm, cri, disarm, podEvent, timerKeys, update } from './turn.ts'

/**
 * The kubelet shows ErrImagePull until its next sync of the pod, then ImagePullBackOff for the
 * rest of the wait; this is how long after the failure that sync comes (at most half the wait).
 */
export const IMAGE_PULL_BACKOFF_AFTER_MS = 1000

const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness']
const probeTitle = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' } as const

export const stopGrace = (t: Turn): number => t.core.pod.spec.terminationGracePeriodSeconds ?? 30

const initSucceeded = (r: ContainerRecord): boolean => r.run === 'done' && r.state.terminated?.exitCode === 0

/**
 * Starts a container: its env's ConfigMaps and Secrets are read first (at every start, as the
 * kubelet reads them), then its env is resolved and the container created.
 */
export function startContainer(t: Turn, name: string): void {
  const r = update(t, name, { run: 'starting' })
  const refs = envObjectRefs(r.spec)
  if (refs.length === 0) return createContainer(t, name, {})
  update(t, name, { readingEnv: true })
  cri(t, { type: 'cri.readEnvObjects', name, namespace: t.core.pod.metadata.namespace ?? 'default', refs })
}

export function envObjectsRead(t: Turn, e: CriEnvObjectsRead): void {
  const r = t.core.containers[e.name]
  if (r?.run !== 'starting' || r.readingEnv !== true) return
  update(t, e.name, { readingEnv: false })
  createContainer(t, e.name, e.objects)
}

function createContainer(t: Turn, name: string, objects: EnvObjects): void {
  const r = record(t.core, name)
  const { pod, nodeName, podIP, hostIP, allocatable } = t.core
  const result = resolveEnv(r.spec, pod, { nodeName, podIP, hostIP, ...(allocatable !== undefined ? { allocatable } : {}) }, objects)
  if (!result.ok) return configError(t, name, result.message)
  for (const message of result.invalidNames) podEvent(t, 'Warning', 'InvalidEnvironmentVariableNames', message)
  cri(t, { type: 'cri.startContainer', container: expandCommand(r.spec, result.env), env: result.env, init: r.init, attempt: r.exits })
}

/**
 * The container's config cannot be made (a ConfigMap, Secret or key its env needs is missing):
 * it is not created and waits in CreateContainerConfigError. The kubelet's pod worker syncs
 * the pod again after its back-off period (10 s, not doubling), which tries the start again.
 */
function configError(t: Turn, name: string, message: string): void {
  const r = record(t.core, name)
  update(t, name, { run: 'backoff', state: { waiting: { reason: 'CreateContainerConfigError', message } }, lastState: lastStateAfter(r) })
  // The image is looked at before the config is generated (kuberuntime's startContainer).
  podEvent(t, 'Normal', 'Pulled', `Container image "${r.spec.image ?? r.image}" already present on machine`)
  podEvent(t, 'Warning', 'Failed', `Error: ${message}`)
  arm(t, timerKeys.restart(name), t.core.backoff.initialMs)
}

/** Starts whatever may start now: the next init container, or every container once all init containers succeeded. */
export function proceed(t: Turn): void {
  if (t.core.termination !== undefined || t.core.sandbox !== 'ready') return
  for (const name of initNames(t.core)) {
    const r = record(t.core, name)
    if (initSucceeded(r)) continue
    if (r.run === 'pending') startContainer(t, name)
    return
  }
  for (const name of regularNames(t.core)) if (record(t.core, name).run === 'pending') startContainer(t, name)
}

function dropProbes(t: Turn, name: string): void {
  for (const kind of PROBE_KINDS) disarm(t, timerKeys.probe(name, kind))
  update(t, name, { probes: {} })
}

/** Sends stopContainer; the container's probes stop with it. */
export function stopContainer(t: Turn, name: string, graceSeconds: number): void {
  dropProbes(t, name)
  cri(t, { type: 'cri.stopContainer', name, graceSeconds })
  update(t, name, { run: 'stopping', stopGraceSeconds: graceSeconds })
}

/** Arms the probes the container's state calls for: startup until it passes, then liveness and readiness. */
function beginProbes(t: Turn, name: string): void {
  const r = record(t.core, name)
  const kinds: ProbeKind[] = r.started ? ['liveness', 'readiness'] : ['startup']
  const runningFor = t.now - (r.runningSinceMs ?? t.now)
  const probes = { ...r.probes }
  for (const kind of kinds) {
    const probe = r.spec[`${kind}Probe`]
    if (probe === undefined) continue
    probes[kind] = newTracker(kind, probe, t.core.nextSeq)
  }
  update(t, name, { probes })
  for (const kind of kinds) {
    const probe = probes[kind]?.probe
    if (probe === undefined) continue
    const delay = firstProbeDelayMs(probe, runningFor)
    // Probe at once rather than through a 0 ms timer, which would wait for the clock's next tick.
    if (delay === 0) probeDue(t, name, kind)
    else arm(t, timerKeys.probe(name, kind), delay)
  }
}

/** lastState once a new run starts (or fails to): the run that ended, if the status still shows it (an immediate restart). */
const lastStateAfter = (r: ContainerRecord): ContainerState => (r.state.terminated !== undefined ? r.state : r.lastState)

export function containerStarted(t: Turn, e: CriContainerStarted): void {
  const r = t.core.containers[e.name]
  if (r?.run !== 'starting') return
  const started = r.init || r.spec.startupProbe === undefined
  update(t, e.name, {
    run: 'running',
    state: { running: { startedAt: e.startedAt } },
    lastState: lastStateAfter(r),
    containerID: e.containerID,
    image: e.image,
    imageID: e.imageID,
    restartCount: r.exits,
    runningSinceMs: t.now,
    failBackoffMs: undefined,
    started,
    ready: r.init || r.spec.readinessProbe === undefined,
    probes: {},
  })
  podEvent(t, 'Normal', 'Pulled', `Container image "${r.spec.image ?? e.image}" already present on machine`)
  podEvent(t, 'Normal', 'Created', `Created container ${e.name}`)
  podEvent(t, 'Normal', 'Started', `Started container ${e.name}`)
  const termination = t.core.termination
  if (termination !== undefined) {
    podEvent(t, 'Normal', 'Killing', `Stopping container ${e.name}`)
    stopContainer(t, e.name, termination.graceSeconds)
  } else if (!r.init) beginProbes(t, e.name)
}

export function containerFailed(t: Turn, e: CriContainerFailed): void {
  const r = t.core.containers[e.name]
  if (r?.run !== 'starting') return
  const waiting: ContainerState = { waiting: { reason: e.reason, message: e.message } }
  const lastState = lastStateAfter(r)
  if (t.core.termination !== undefined) {
    update(t, e.name, { run: 'done', state: waiting, lastState })
    return
  }
  const delay = nextBackoffMs(r.failBackoffMs, t.core.backoff)
  update(t, e.name, { run: 'backoff', state: waiting, lastState, failBackoffMs: delay })
  podEvent(t, 'Warning', 'Failed', e.message)
  podEvent(t, 'Warning', 'Failed', `Error: ${e.reason}`)
  arm(t, timerKeys.restart(e.name), delay)
  if (e.reason === 'ErrImagePull') arm(t, timerKeys.pullBackoff(e.name), Math.min(IMAGE_PULL_BACKOFF_AFTER_MS, delay / 2))
}

export function showImagePullBackOff(t: Turn, name: string): void {
  const r = record(t.core, name)
  if (r.run !== 'backoff' || r.state.waiting?.reason !== 'ErrImagePull') return
  const message = `Back-off pulling image "${r.spec.image ?? r.image}"`
  update(t, name, { state: { waiting: { reason: 'ImagePullBackOff', message } } })
  podEvent(t, 'Normal', 'BackOff', message)
  podEvent(t, 'Warning', 'Failed', 'Error: ImagePullBackOff')
}

export function restartDue(t: Turn, name: string): void {
  disarm(t, timerKeys.pullBackoff(name))
  if (record(t.core, name).run === 'backoff' && t.core.termination === undefined) startContainer(t, name)
}

/** kubelet's ShouldContainerBeRestarted for an exited container of a live pod. */
function shouldRestart(t: Turn, r: ContainerRecord, exitCode: number): boolean {
  const policy = t.core.pod.spec.restartPolicy ?? 'Always'
  if (r.init) return exitCode !== 0 && policy !== 'Never'
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0)
}

export function containerExited(t: Turn, e: CriContainerExited): void {
  const r = t.core.containers[e.name]
  if (r === undefined || (r.run !== 'running' && r.run !== 'stopping' && r.run !== 'starting')) return
  dropProbes(t, e.name)
  const terminated: ContainerState = {
    terminated: {
      exitCode: e.exitCode,
      ...(e.signal !== undefined ? { signal: e.signal } : {}),
      reason: e.reason,
      ...(e.message !== undefined ? { message: e.message } : {}),
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
      containerID: e.containerID,
    },
  }
  const ended = { exits: r.exits + 1, started: false, ready: false, containerID: e.containerID }
  if (t.core.termination !== undefined || !shouldRestart(t, r, e.exitCode)) {
    update(t, e.name, { ...ended, run: 'done', state: terminated })
    if (r.init && e.exitCode === 0) proceed(t)
    return
  }
  const { waitMs, entryMs } = crashBackoff(r.crashBackoffMs, t.now - (r.runningSinceMs ?? t.now), t.core.backoff)
  if (waitMs === 0) {
    // No back-off yet: restarted at once, the status showing the exit until the new run starts.
    update(t, e.name, { ...ended, crashBackoffMs: entryMs, state: terminated })
    startContainer(t, e.name)
    return
  }
  const pod = podRef(t.core.pod)
  const message = `back-off ${goDuration(waitMs)} restarting failed container=${e.name} pod=${pod}`
  update(t, e.name, { ...ended, run: 'backoff', crashBackoffMs: entryMs, lastState: terminated, state: { waiting: { reason: 'CrashLoopBackOff', message } } })
  podEvent(t, 'Warning', 'BackOff', `Back-off restarting failed container ${e.name} in pod ${pod}`)
  arm(t, timerKeys.restart(e.name), waitMs)
}

export function probeDue(t: Turn, name: string, kind: ProbeKind): void {
  const r = record(t.core, name)
  const tracker = r.probes[kind]
  if (r.run !== 'running' || tracker === undefined) return
  const seq = t.core.nextSeq
  t.core = { ...t.core, nextSeq: seq + 1 }
  cri(t, { type: 'cri.probe', name, kind, probe: tracker.probe, seq })
  arm(t, timerKeys.probe(name, kind), probePeriodMs(tracker.probe))
}

export function probeResult(t: Turn, e: CriProbeResult): void {
  const r = t.core.containers[e.name]
  const tracker = r?.probes[e.kind]
  if (r?.run !== 'running' || tracker === undefined) return
  const outcome = takeResult(tracker, e.seq, e.ok)
  if (outcome === undefined) return
  update(t, e.name, { probes: { ...r.probes, [e.kind]: outcome.tracker } })
  const retry = readinessRetryMs(outcome.tracker)
  if (retry !== undefined) arm(t, timerKeys.probe(e.name, e.kind), retry)
  // The quick retries of a readiness probe that has not passed yet tell no more than their first failure.
  const quickRetry = retry !== undefined && outcome.tracker.streak!.count > 1
  if (!e.ok && !quickRetry) podEvent(t, 'Warning', 'Unhealthy', `${probeTitle[e.kind]} probe failed: ${e.message ?? ''}`)
  if (outcome.flipped === undefined) return
  if (e.kind === 'readiness') {
    update(t, e.name, { ready: outcome.flipped === 'success' })
  } else if (outcome.flipped === 'failure') {
    podEvent(t, 'Normal', 'Killing', `Container ${e.name} failed ${e.kind} probe, will be restarted`)
    stopContainer(t, e.name, stopGrace(t))
  } else if (e.kind === 'startup') {
    disarm(t, timerKeys.probe(e.name, 'startup'))
    const { startup: _passed, ...rest } = record(t.core, e.name).probes
    update(t, e.name, { started: true, probes: rest })
    beginProbes(t, e.name)
  }
}
