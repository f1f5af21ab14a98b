/**
 * OpenAPI v3 schemas of the chaos.actorkube.io kinds' spec and status, with descriptions, so
 * `kubectl explain chaosexperiment.spec.method.faults` documents the API in the terminal.
 * Below the documented fields the schemas stay open (`x-kubernetes-preserve-unknown-fields`):
 * validation/chaos-kinds.ts is what checks them, with field paths.
 */
import { FAULT_KIND_NAMES } from '../../chaos/fault-kinds.ts'

type Schema = { [key: string]: unknown }

const open = (description: string, properties: Record<string, Schema> = {}): Schema => ({ type: 'object', description, properties, 'x-kubernetes-preserve-unknown-fields': true })
const str = (description: string): Schema => ({ type: 'string', description })
const int = (description: string): Schema => ({ type: 'integer', description })
const list = (description: string, items: Schema): Schema => ({ type: 'array', description, items })

const PROBE = open('A steady-state probe, run every interval before, during and after the faults.', {
  name: str('Unique among the probes; abort.probes and status.probes name it.'),
  type: str('http, kubernetes, store or metric; the settings go in the field of that name.'),
  interval: str('How often it runs, a duration (default 1s).'),
  timeout: str('How long one run may take before it counts as failed (default 1s).'),
  failureThreshold: int('Consecutive failures before the probe counts as failing (default 1).'),
  minAvailabilityPercent: int('Availability (percent of passing runs during the faults and recovery) below this fails the experiment.'),
  http: open('url, or service {name, namespace, port} through its NodePort; method; expectStatus (default 200); bodyMatches (a regular expression).'),
  kubernetes: open('Exactly one of deploymentAvailable {name, namespace}, podsReady {namespace, selector, count}, nodeReady {name}.'),
  store: open('Linearizable writes and reads (keyPrefix), checked afterwards; acknowledged writes lost must be 0.'),
  metric: open('expr (a Prometheus expression over the hosts\' /metrics) and comparator {op, value}.'),
})

const FAULT = open('One fault of the method.', {
  name: str('Unique among the faults; status.faults names it.'),
  kind: str(`The fault: ${FAULT_KIND_NAMES.join(', ')}.`),
  duration: str('How long the fault is in force, a duration up to the configured maximum (default 1h).'),
  target: open('What it aims at, one of: hosts {names, roles}, actors {kind, ids}, leader (store, scheduler, controller-manager), pods {namespace, selector}, nodes {selector}, groups (partition: lists of host names). A target matching nothing is a warning in status at run time.'),
  mode: str('How many of the matched targets: one (default), all, fixed (value targets), percent (value percent).'),
  value: int('The count (fixed) or percentage (percent) of targets.'),
  params: open('The kind\'s settings, e.g. subject, probability, latency, jitter, offset.'),
})

const EXPERIMENT_SPEC = open('An experiment: a steady state, a method of faults, abort rules, rounds.', {
  steadyState: open('The steady-state hypothesis: probes that must pass before the faults, are watched during them and must pass again after.', {
    probes: list('The probes.', PROBE),
    timeout: str('How long the probes may take to pass before the first fault (default 30s); if they do not, the verdict is Failed and nothing is injected.'),
  }),
  method: open('The faults and how they run.', {
    mode: str('Serial (default): one fault after the other; Parallel: all at once.'),
    faults: list('The faults.', FAULT),
  }),
  abort: open('When to stop early; annotating the experiment actorkube.io/abort=true aborts it too. An abort heals every fault at once.', {
    onProbeFailure: { type: 'boolean', description: 'Abort when a probe fails during the faults.' },
    probes: list('Only these probes abort (default all).', { type: 'string' }),
    failureThreshold: int('Consecutive failures of a probe before it aborts (default 1).'),
  }),
  recoveryTimeout: str('How long after the last heal of a round the probes may take to pass again (default 60s).'),
  repeat: int('Rounds of the method (default 1).'),
  interval: str('Wait between rounds (default 0s).'),
  seed: int('Every random choice (which targets) is drawn from it; picked and recorded in status when absent.'),
})

const EXPERIMENT_STATUS = open('What happened: phase, verdict, faults with their times, measurements.', {
  phase: str('Pending, SteadyStateCheck, Injecting, Observing, Recovering or Completed.'),
  verdict: str('Passed, Failed or Aborted, once Completed.'),
  reason: str('Why the verdict is what it is.'),
  seed: int('The seed the experiment ran with.'),
  round: int('The round in progress (1-based).'),
  faults: list('Each fault of each round: targets, injectedAt, healedAt, leaseExpiresAt, error.', open('A fault as applied.')),
  rounds: list('Each round: timeToDetectMs, timeToRecoverMs.', open('A round.')),
  probes: list('Each probe: successes, failures, availabilityPercent.', open('A probe\'s results.')),
  timeToDetectMs: int('The longest time to detect of the rounds: first probe failure after the first injection.'),
  timeToRecoverMs: int('The longest time to recover of the rounds: all probes passing again, from the first injection.'),
  ackedWritesLost: int('Acknowledged writes the store probe could not read back (must be 0).'),
  linearizable: { type: 'boolean', description: 'The store probe\'s history checked linearizable.' },
  errors: list('Errors seen (injections refused, probes\' errors).', { type: 'string' }),
  warnings: list('Warnings (a target that matched nothing, a controller restart).', { type: 'string' }),
  conditions: list('Conditions (Completed).', open('A condition.')),
})

const SCHEDULE_SPEC = open('Makes ChaosExperiments on a cron schedule.', {
  schedule: str('Five-field cron (minute hour day-of-month month day-of-week) or @hourly/@daily..., in UTC on the controller\'s clock.'),
  experimentTemplate: open('The experiments it makes: metadata.labels and spec (a ChaosExperiment spec).'),
  concurrencyPolicy: str('Allow (default) or Forbid a new experiment while one runs.'),
  historyLimit: int('Completed experiments kept (default 3).'),
  suspend: { type: 'boolean', description: 'Make no new experiments while true.' },
})

/** spec and status schemas by kind, for openapi.ts. */
export const CHAOS_SCHEMAS: Readonly<Record<string, { readonly spec: Schema; readonly status: Schema }>> = {
  ChaosExperiment: { spec: EXPERIMENT_SPEC, status: EXPERIMENT_STATUS },
  ChaosSchedule: { spec: SCHEDULE_SPEC, status: open('lastScheduleTime, active (experiments running).') },
}
