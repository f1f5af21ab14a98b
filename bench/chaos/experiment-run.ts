/**
 * One ChaosExperiment through the real API, as `actorkube chaos run` does it: created through
 * the apiserver, its `.status` followed (a progress line whenever it changes) until Completed.
 * And the library: the experiments of examples/chaos/, found by what they do, and made to fit a
 * bench run (name, rounds, durations; probes the controller does not run yet left out, said so).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { CHAOS_API_VERSION, type ChaosExperimentSpec, type ChaosExperimentStatus, type FaultSpec, type ProbeSpec } from '../../actors/chaos/api.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { ApiClient } from '../../runtime/apiserver/api-client.ts'
import { progressLine, verdictLine } from '../../runtime/cli/chaos-run.ts'

const LIBRARY = fileURLToPath(new URL('../../examples/chaos/', import.meta.url))
const PROBES_SOURCE = fileURLToPath(new URL('../../runtime/chaos/chaos-probes.ts', import.meta.url))
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface LibraryExperiment {
  /** examples/chaos/<file>, or undefined when no library experiment does this (the bench's own spec). */
  readonly file: string | undefined
  readonly spec: ChaosExperimentSpec
}

/** The first ChaosExperiment in examples/chaos/ with a fault for which `matches` holds. */
export function findLibraryExperiment(matches: (fault: FaultSpec) => boolean): LibraryExperiment | undefined {
  for (const file of readdirSync(LIBRARY).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(LIBRARY, file), 'utf8'))) {
      const object = doc.toJS() as { kind?: string; spec?: ChaosExperimentSpec }
      if (object?.kind === 'ChaosExperiment' && object.spec?.method.faults.some(matches)) return { file: `examples/chaos/${file}`, spec: object.spec }
    }
  }
  return undefined
}

/**
 * The probe types the chaos controller runs, read from its probe runner's source: a probe it
 * does not run yet fails every time, so an experiment with one would never pass its steady state.
 */
export function probeTypesRun(): ReadonlySet<string> {
  const source = readFileSync(PROBES_SOURCE, 'utf8')
  return new Set(['http', 'kubernetes', 'store', 'metric'].filter((type) => source.includes(`'${type}'`)))
}

/** `spec` without the probes the controller does not run; the names of those left out. */
export function runnableProbes(spec: ChaosExperimentSpec): { spec: ChaosExperimentSpec; leftOut: string[] } {
  const run = probeTypesRun()
  const probes = spec.steadyState?.probes ?? []
  const kept = probes.filter((p: ProbeSpec) => run.has(p.type))
  const leftOut = probes.filter((p) => !run.has(p.type)).map((p) => `${p.name} (${p.type})`)
  const keptNames = new Set(kept.map((p) => p.name))
  const abort = spec.abort?.probes ? { ...spec.abort, probes: spec.abort.probes.filter((n) => keptNames.has(n)) } : spec.abort
  return { spec: { ...spec, steadyState: { ...spec.steadyState, probes: kept }, ...(abort ? { abort } : {}) }, leftOut }
}

export interface ExperimentOutcome {
  readonly name: string
  readonly uid: string
  readonly status: ChaosExperimentStatus
  /** Wall clock of the create call. */
  readonly createdAt: number
  readonly completedAt: number
}

const path = (namespace: string) => `/apis/${CHAOS_API_VERSION}/namespaces/${namespace}/chaosexperiments`

/** Creates the experiment and follows its status until Completed (throws after `timeoutMs`). */
export async function runExperiment(api: ApiClient, name: string, spec: ChaosExperimentSpec, options: { timeoutMs: number; progress: (line: string) => void; namespace?: string }): Promise<ExperimentOutcome> {
  const namespace = options.namespace ?? 'default'
  const createdAt = Date.now()
  const created = (await api.create(path(namespace), { apiVersion: CHAOS_API_VERSION, kind: 'ChaosExperiment', metadata: { name, namespace }, spec } as KubeObject)) as KubeObject
  const uid = String(created.metadata?.uid ?? '')
  let last = ''
  let lastShape = ''
  let lastAt = 0
  while (Date.now() - createdAt < options.timeoutMs) {
    const status = ((await api.get(`${path(namespace)}/${name}`).catch(() => undefined)) as { status?: ChaosExperimentStatus } | undefined)?.status
    if (status !== undefined) {
      const line = progressLine(status)
      // A line when the phase, round or faults change, else at most every 5 s (probe counts change each second).
      const shape = line.slice(0, line.lastIndexOf(' | probes:'))
      if (shape !== lastShape || (line !== last && Date.now() - lastAt >= 5_000)) {
        options.progress(`  ${line}`)
        lastAt = Date.now()
      }
      last = line
      lastShape = shape
      if (status.phase === 'Completed') {
        options.progress(`  ${verdictLine(name, status)}`)
        return { name, uid, status, createdAt, completedAt: Date.now() }
      }
    }
    await sleep(250)
  }
  throw new Error(`${name}: no verdict within ${options.timeoutMs / 1000} s; last: ${last}`)
}

/** Wall clock of an ISO time in `.status`. */
export const timeOf = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso))
