/**
 * The pod actor's logic as one pure function per input, in the manner of etcd's raft Step:
 * `step(core, event)` returns the next core and the effects to carry out. The machine
 * (pod.machine.ts) only applies them. Every step ends by removing the sandbox once a
 * terminating pod has nothing left running, and by reporting the status if it changed.
 */
import { semanticEqual } from '../apiserver/meta/object-meta.ts'
import { nextBackoffMs } from './backoff.ts'
import {
  containerExited,
  containerFailed,
  containerStarted,
  envObjectsRead,
  probeDue,
  probeResult,
  proceed,
  restartDue,
  showImagePullBackOff,
  stopContainer,
} from './lifecycle.ts'
import type { PodCore } from './pod-core.ts'
import type { CriReport, PodCommand, ProbeKind } from './pod-protocol.ts'
import { nothingRunning, podStatus } from './pod-status.ts'
import { type Effect, type PodTimer, type Turn, arm, beginTurn, cri, disarm, podEvent, takeTimer, timerKeys, uidOf, update } from './turn.ts'

export type PodMachineEvent = PodCommand | CriReport | PodTimer

export interface Step {
  readonly core: PodCore
  readonly effects: readonly Effect[]
}

/** The actor's first step: ask for the sandbox, report Pending. */
export function start(core: PodCore): Step {
  const t = beginTurn(core)
  cri(t, { type: 'cri.runSandbox' })
  return finish(t)
}

export function step(core: PodCore, event: PodMachineEvent): Step {
  const t = beginTurn(core)
  if (t.core.terminated) return { core, effects: [] }
  switch (event.type) {
    case 'pod.updated':
      podUpdated(t, event.pod)
      break
    case 'pod.stop':
      terminate(t, event.graceSeconds)
      break
    case 'pod.timer':
      if (takeTimer(t, event)) timerDue(t, event.key)
      break
    case 'cri.sandboxReady':
      if (t.core.sandbox !== 'creating') break
      t.core = { ...t.core, sandbox: 'ready', podIP: event.podIP, sandboxBackoffMs: undefined }
      proceed(t)
      break
    case 'cri.sandboxFailed':
      sandboxFailed(t, event.message, event.reason)
      break
    case 'cri.sandboxRemoved':
      if (t.core.sandbox === 'removing') t.core = { ...t.core, sandbox: 'removed' }
      break
    case 'cri.envObjectsRead':
      envObjectsRead(t, event)
      break
    case 'cri.containerStarted':
      containerStarted(t, event)
      break
    case 'cri.containerFailed':
      containerFailed(t, event)
      break
    case 'cri.containerExited':
      containerExited(t, event)
      break
    case 'cri.probeResult':
      probeResult(t, event)
      break
  }
  return finish(t)
}

function timerDue(t: Turn, key: string): void {
  const [what, name = '', kind = ''] = key.split('/')
  if (what === 'sandbox') {
    t.core = { ...t.core, sandbox: 'creating' }
    cri(t, { type: 'cri.runSandbox' })
  } else if (what === 'restart') restartDue(t, name)
  else if (what === 'pull-backoff') showImagePullBackOff(t, name)
  else if (what === 'probe') probeDue(t, name, kind as ProbeKind)
}

function sandboxFailed(t: Turn, message: string, reason?: 'FailedMount'): void {
  if (t.core.sandbox !== 'creating') return
  if (reason === 'FailedMount') podEvent(t, 'Warning', 'FailedMount', message)
  else podEvent(t, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${message}`)
  const delay = nextBackoffMs(t.core.sandboxBackoffMs, t.core.backoff)
  t.core = { ...t.core, sandbox: 'retrying', sandboxBackoffMs: delay }
  if (t.core.termination === undefined) arm(t, timerKeys.sandbox, delay)
}

function podUpdated(t: Turn, pod: PodCore['pod']): void {
  if (pod.metadata.uid !== t.core.pod.metadata.uid) return
  t.core = { ...t.core, pod }
  const deletion = pod.metadata.deletionTimestamp
  if (deletion !== undefined && deletion !== null) {
    terminate(t, pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30)
  }
}

/**
 * Graceful termination: no more restarts or probes, every running container is stopped with
 * the grace; a later, shorter grace is sent again to the containers still stopping.
 */
export function terminate(t: Turn, graceSeconds: number): void {
  const current = t.core.termination
  if (current !== undefined && current.graceSeconds <= graceSeconds) return
  t.core = { ...t.core, termination: { graceSeconds } }
  if (current === undefined) for (const key of Object.keys(t.core.timers)) disarm(t, key)
  for (const r of Object.values(t.core.containers)) {
    if (r.run === 'running') {
      podEvent(t, 'Normal', 'Killing', `Stopping container ${r.name}`)
      stopContainer(t, r.name, graceSeconds)
    } else if (r.run === 'stopping' && (r.stopGraceSeconds ?? Infinity) > graceSeconds) {
      stopContainer(t, r.name, graceSeconds)
    } else if (r.run === 'pending' || r.run === 'backoff' || (r.run === 'starting' && r.readingEnv === true)) {
      // A start still reading its env's objects creates nothing: it ends here, its answer ignored.
      update(t, r.name, { run: 'done', readingEnv: false })
    }
  }
}

function finish(t: Turn): Step {
  const { sandbox } = t.core
  if (t.core.termination !== undefined && nothingRunning(t.core) && (sandbox === 'ready' || sandbox === 'retrying')) {
    cri(t, { type: 'cri.removeSandbox' })
    t.core = { ...t.core, sandbox: 'removing' }
  }
  const status = podStatus(t.core, t.now)
  if (!semanticEqual(status, t.core.reported)) {
    t.effects.push({ kind: 'report', report: { type: 'pod.status', uid: uidOf(t), status } })
    t.core = { ...t.core, reported: status }
  }
  if (t.core.sandbox === 'removed') {
    t.effects.push({ kind: 'report', report: { type: 'pod.terminated', uid: uidOf(t) } })
    t.core = { ...t.core, terminated: true }
  }
  return { core: t.core, effects: t.effects }
}
