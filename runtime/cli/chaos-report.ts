/**
 * `actorkube chaos report NAME [-n NAMESPACE] [--out DIR]`: reads one ChaosExperiment through the
 * apiserver (over NATS, from `cluster.json`, as `chaos run` does) and writes its report:
 * NAME.json (actors/chaos/experiment-report.ts) and NAME.html, a self-contained page with the
 * timeline rendered here to SVG from its vega-lite spec (charts/chaos-timeline.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CHAOS_API_VERSION } from '../../actors/chaos/api.ts'
import { buildReport, type ChaosReport, type ExperimentObject } from '../../actors/chaos/experiment-report.ts'
import { reportPage } from '../../charts/chaos-report-page.ts'
import { timelineSpec } from '../../charts/chaos-timeline.ts'
import { toSvg } from '../../charts/scheduling.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import { systemClock } from '../clock.ts'
import { withClusterConnection, type ClusterFlags } from './cluster-info.ts'

export interface ReportFiles {
  readonly json: string
  readonly html: string
  readonly report: ChaosReport
}

/** The report's two files in `dir`, from the experiment object as read. */
export async function writeReport(object: ExperimentObject, dir: string, now: string): Promise<ReportFiles> {
  const report = buildReport(object, now)
  const svg = await toSvg(timelineSpec(report))
  await mkdir(dir, { recursive: true })
  const json = join(dir, `${report.experiment.name}.json`)
  const html = join(dir, `${report.experiment.name}.html`)
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`)
  await writeFile(html, reportPage(report, svg))
  return { json, html, report }
}

export async function chaosReport(name: string, flags: ClusterFlags & { namespace?: string; out?: string }, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const namespace = flags.namespace ?? 'default'
  return withClusterConnection(flags, 'actorkube-chaos-report', async (transport, cluster, info) => {
    const apiservers = info.store ?? (info.hosts ?? []).filter((h) => h.startsWith('master-'))
    const api = new ApiClient({ transport, cluster, apiservers, timeoutMs: 5000 })
    try {
      let object: ExperimentObject
      try {
        object = (await api.get(`/apis/${CHAOS_API_VERSION}/namespaces/${namespace}/chaosexperiments/${name}`)) as ExperimentObject
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) throw new Error(`chaosexperiment ${namespace}/${name} not found (kubectl get cex -n ${namespace} lists them)`)
        throw error
      }
      const files = await writeReport(object, flags.out ?? '.', new Date(systemClock.now()).toISOString())
      const r = files.report
      out(`${name}: ${r.verdict ?? `${r.phase}, no verdict yet`}${r.reason ? ` (${r.reason})` : ''}, seed ${r.seed}`)
      out(`wrote ${files.json}`)
      out(`wrote ${files.html}`)
      return 0
    } finally {
      await api.close()
    }
  })
}
