/**
 * `actorkube chaos run FILE`: creates one ChaosExperiment from a file against the running
 * cluster (through the apiserver over NATS, as the hosts' own clients), after the other objects
 * the file holds (what its probes watch: the library's files carry their Deployment; one that
 * exists already is left as it is), follows its `.status`
 * printing a progress line whenever it changes (phase, round, faults, probes), then the verdict.
 * Exits 0 on Passed, 1 on Failed or Aborted (for CI), 2 when it cannot tell (timeout).
 */
import { readFile } from 'node:fs/promises'
import { parseAllDocuments } from 'yaml'
import { CHAOS_API_VERSION, type ChaosExperimentStatus } from '../../actors/chaos/api.ts'
import { formatDuration } from '../../actors/chaos/duration.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import { systemClock } from '../clock.ts'
import { withClusterConnection, type ClusterFlags } from './cluster-info.ts'
import { applyObjects } from './demo-workload.ts'

const POLL_MS = 500

/** One line about where an experiment is. */
export function progressLine(status: ChaosExperimentStatus): string {
  const inForce = status.faults.filter((f) => f.injectedAt !== undefined && f.healedAt === undefined)
  const healed = status.faults.filter((f) => f.healedAt !== undefined).length
  const faults = inForce.length === 0 ? `none in force (${healed} healed)` : inForce.map((f) => `${f.name} on ${f.targets.join(',')}`).join('; ')
  const probes = status.probes.map((p) => `${p.name} ${p.availabilityPercent}% (${p.successes}/${p.successes + p.failures})`).join(', ')
  return `${status.phase} round ${status.round} | faults: ${faults} | probes: ${probes || 'none'}`
}

export function verdictLine(name: string, status: ChaosExperimentStatus): string {
  const times = [status.timeToDetectMs !== undefined ? `detected after ${formatDuration(status.timeToDetectMs)}` : 'no probe failure detected', status.timeToRecoverMs !== undefined ? `recovered after ${formatDuration(status.timeToRecoverMs)}` : undefined].filter((x) => x !== undefined)
  const warnings = status.warnings.map((w) => `\n  warning: ${w}`).join('')
  const errors = status.errors.map((e) => `\n  error: ${e}`).join('')
  return `${name}: ${status.verdict} (${status.reason ?? ''}), seed ${status.seed}, ${times.join(', ')}${warnings}${errors}`
}

export async function chaosRun(file: string, flags: ClusterFlags & { namespace?: string; timeoutS: number }, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const objects = parseAllDocuments(await readFile(file, 'utf8')).map((doc) => doc.toJS() as KubeObject).filter((o) => o !== null && o !== undefined)
  const experiments = objects.filter((o) => o.kind === 'ChaosExperiment')
  if (experiments.length !== 1) throw new Error(`${file}: expected one ChaosExperiment (kind: ChaosExperiment), got ${experiments.length} among ${JSON.stringify(objects.map((o) => o.kind))}`)
  const experiment = experiments[0]!
  const others = objects.filter((o) => o !== experiment)
  const namespace = flags.namespace ?? experiment.metadata?.namespace ?? 'default'
  const name = String(experiment.metadata?.name)
  return withClusterConnection(flags, 'actorkube-chaos-run', async (transport, cluster, info) => {
    const apiservers = info.store ?? (info.hosts ?? []).filter((h) => h.startsWith('master-'))
    const api = new ApiClient({ transport, cluster, apiservers, timeoutMs: 5000 })
    try {
      for (const line of await applyObjects(api, others, file)) out(line)
      const path = `/apis/${CHAOS_API_VERSION}/namespaces/${namespace}/chaosexperiments`
      try {
        await api.create(path, { ...experiment, metadata: { ...experiment.metadata, namespace } })
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) throw new Error(`chaosexperiment ${namespace}/${name} exists already: delete it (kubectl delete cex ${name} -n ${namespace}) or rename it`)
        throw error
      }
      out(`chaosexperiment ${namespace}/${name} created`)
      const deadline = systemClock.now() + flags.timeoutS * 1000
      let last = ''
      while (systemClock.now() < deadline) {
        const status = ((await api.get(`${path}/${name}`)) as { status?: ChaosExperimentStatus }).status
        if (status !== undefined) {
          const line = progressLine(status)
          if (line !== last) out(line)
          last = line
          if (status.phase === 'Completed') {
            out(verdictLine(name, status))
            return status.verdict === 'Passed' ? 0 : 1
          }
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
      out(`${name}: no verdict within ${flags.timeoutS} s (is a chaos controller running?)`)
      return 2
    } finally {
      await api.close()
    }
  })
}
