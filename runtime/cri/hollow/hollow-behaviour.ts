/**
 * What a hollow container does, read from its pod's annotations. Every key may be narrowed to one
 * container by appending `.<container name>` (`hollow.actorkube.io/exit-after-ms.migrate`),
 * which wins over the pod-wide key.
 */
import type { Container } from '../../../actors/kube/objects.ts'
import { parseQuantity } from '../../../actors/kube/quantity.ts'
import type { ProbeKind } from '../../../actors/pod/pod-protocol.ts'

export const HOLLOW_ANNOTATIONS = {
  /** Delay before the container runs (ms); default 0. */
  startLatencyMs: 'hollow.actorkube.io/start-latency-ms',
  /** The container exits this long after it started (ms); default: it runs until stopped (init containers: 0). */
  exitAfterMs: 'hollow.actorkube.io/exit-after-ms',
  /** The code it then exits with; default 0. */
  exitCode: 'hollow.actorkube.io/exit-code',
  /** Simulated memory use while running (a quantity: 64Mi); above limits.memory it is OOMKilled at once. */
  memory: 'hollow.actorkube.io/memory',
  /** Probe kinds that fail: `liveness,readiness,startup`. */
  failProbes: 'hollow.actorkube.io/fail-probes',
  /** Creating the container fails with this reason (ErrImagePull, CreateContainerError, ...). */
  failStart: 'hollow.actorkube.io/fail-start',
} as const

export interface HollowBehaviour {
  readonly startLatencyMs: number
  /** Undefined: runs until stopped. */
  readonly exitAfterMs: number | undefined
  readonly exitCode: number
  readonly memoryBytes: number
  readonly memoryLimitBytes: number | undefined
  readonly failProbes: readonly ProbeKind[]
  readonly failStart: string | undefined
}

const NONE: readonly ProbeKind[] = []
const PROBE_KINDS: readonly ProbeKind[] = ['liveness', 'readiness', 'startup']

/** `actorkube/sleep` keeps its meaning without processes: args[0] seconds, then args[1] as the exit code. */
const SLEEP_IMAGE = /^(docker\.io\/)?actorkube\/sleep([:@].*)?$/

export function hollowBehaviour(annotations: Readonly<Record<string, string>>, container: Container, init: boolean): HollowBehaviour {
  const read = (key: string): string | undefined => annotations[`${key}.${container.name}`] ?? annotations[key]
  const sleep = container.image !== undefined && SLEEP_IMAGE.test(container.image) && container.command === undefined ? container.args : undefined
  const sleepSeconds = sleep?.[0] === undefined ? undefined : Number(sleep[0])
  const exitAfter = number(read(HOLLOW_ANNOTATIONS.exitAfterMs))
    ?? (sleepSeconds !== undefined && Number.isFinite(sleepSeconds) ? sleepSeconds * 1000 : undefined)
    ?? (init ? 0 : undefined)
  const failProbes = read(HOLLOW_ANNOTATIONS.failProbes)
  const memory = read(HOLLOW_ANNOTATIONS.memory)
  const limit = container.resources?.limits?.memory
  return {
    startLatencyMs: Math.max(0, number(read(HOLLOW_ANNOTATIONS.startLatencyMs)) ?? 0),
    exitAfterMs: exitAfter === undefined ? undefined : Math.max(0, exitAfter),
    exitCode: number(read(HOLLOW_ANNOTATIONS.exitCode)) ?? number(sleep?.[1]) ?? 0,
    memoryBytes: memory === undefined ? 0 : Math.max(0, parseQuantity(memory) ?? 0),
    memoryLimitBytes: limit === undefined ? undefined : parseQuantity(limit),
    failProbes: failProbes === undefined ? NONE : PROBE_KINDS.filter((kind) => failProbes.split(',').some((k) => k.trim() === kind)),
    failStart: read(HOLLOW_ANNOTATIONS.failStart) || undefined,
  }
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}
