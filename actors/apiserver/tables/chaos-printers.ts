/**
 * Table printers of the chaos.actorkube.io kinds: `kubectl get chaosexperiments` shows each
 * experiment's phase, verdict, round and the faults in force right now (injected, not healed:
 * a fault nobody heals would show here), `-o wide` its seed and measured times.
 */
import { AGE_COL, NAME_COL, ageOf, arr, col, nameOf, num, obj, str } from './columns.ts'
import type { Printer } from './printers.ts'

const faultsInForce = (status: Record<string, unknown>): number =>
  arr<Record<string, unknown>>(status['faults']).filter((f) => str(f['injectedAt']) !== '' && str(f['healedAt']) === '').length

const ms = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? `${v}ms` : '<none>')

export const chaosExperimentPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Phase', 'string', 'Where the experiment is: Pending, SteadyStateCheck, Injecting, Observing, Recovering, Completed.'),
    col('Verdict', 'string', 'Passed, Failed or Aborted once the experiment has completed.'),
    col('Round', 'string', 'The round in progress (or last run) of spec.repeat.'),
    col('Faults', 'integer', 'Faults in force now: injected and not yet healed.'),
    AGE_COL,
    col('Seed', 'integer', 'The seed every random choice of the experiment was drawn from.', 1),
    col('Detect', 'string', 'Time to detect: the first probe failure after injection.', 1),
    col('Recover', 'string', 'Time to recover: all probes passing again, from injection.', 1),
  ],
  row: (o, now) => {
    const status = obj(o['status'])
    const spec = obj(o['spec'])
    const repeat = typeof spec['repeat'] === 'number' ? spec['repeat'] : 1
    const round = num(status['round'])
    return {
      cells: [
        nameOf(o),
        str(status['phase']) || 'Pending',
        str(status['verdict']) || '<none>',
        `${round}/${repeat}`,
        faultsInForce(status),
        ageOf(o, now),
        typeof status['seed'] === 'number' ? status['seed'] : typeof spec['seed'] === 'number' ? spec['seed'] : '<none>',
        ms(status['timeToDetectMs']),
        ms(status['timeToRecoverMs']),
      ],
    }
  },
}

export const chaosSchedulePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Schedule', 'string', 'The cron schedule that makes experiments.'),
    col('Suspend', 'boolean', 'Whether the schedule makes no new experiments.'),
    col('Active', 'integer', 'Experiments made by this schedule that have not completed.'),
    col('Last Schedule', 'string', 'When the schedule last made an experiment.'),
    AGE_COL,
  ],
  row: (o, now) => {
    const status = obj(o['status'])
    const spec = obj(o['spec'])
    const last = str(status['lastScheduleTime'])
    return {
      cells: [nameOf(o), str(spec['schedule']), spec['suspend'] === true, arr(status['active']).length, last === '' ? '<none>' : ageOf({ metadata: { creationTimestamp: last } }, now), ageOf(o, now)],
    }
  },
}

/** Registered in printers.ts's PRINTERS. */
export const CHAOS_PRINTERS: Readonly<Record<string, Printer>> = {
  'chaos.actorkube.io/chaosexperiments': chaosExperimentPrinter,
  'chaos.actorkube.io/chaosschedules': chaosSchedulePrinter,
}
