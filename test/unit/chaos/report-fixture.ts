/**
 * A worker-kill experiment run by the pure step on the simulated clock, with a Service probe and a
 * node probe failing for a while: what the report tests build their reports from. Not a test file.
 */
import type { ChaosExperimentSpec } from '../../../actors/chaos/api.ts'
import { buildReport, type ChaosReport } from '../../../actors/chaos/experiment-report.ts'
import { Driver, T0 } from './experiment-driver.ts'

export const WORKER_KILL: ChaosExperimentSpec = {
  seed: 9,
  steadyState: {
    probes: [
      { name: 'web', type: 'http', interval: '500ms', timeout: '200ms', minAvailabilityPercent: 50, http: { service: { name: 'web', port: 80 } } },
      { name: 'worker-ready', type: 'kubernetes', interval: '500ms', kubernetes: { nodeReady: { name: 'worker-1' } } },
    ],
  },
  method: { faults: [{ name: 'kill-worker', kind: 'host-kill', duration: '5s', target: { hosts: { roles: ['worker'] } } }] },
}

/** The web probe fails from 1.2 s to 3.4 s, the node from 2.2 s to 6.4 s after the start. */
export function workerKillRun(): Driver {
  const healthy = (probe: string, when: number): boolean => (probe === 'web' ? !(when - T0 >= 1200 && when - T0 < 3400) : !(when - T0 >= 2200 && when - T0 < 6400))
  return Driver.start(WORKER_KILL, 9, { candidates: { 'kill-worker': ['worker-1', 'worker-2'] }, healthy }).run()
}

/** The report of that run, generated a minute after its start. */
export const workerKillReport = (): ChaosReport => buildReport({ metadata: { name: 'worker-kill', namespace: 'default' }, spec: WORKER_KILL, status: workerKillRun().status! }, new Date(T0 + 60_000).toISOString())
