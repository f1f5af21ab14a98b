/**
 * `npm run sim -- --experiment FILE [--seed N] [--nodes N] [--verbose]`: a ChaosExperiment file,
 * validated as the apiserver validates it, run against the simulated whole cluster
 * (runtime/sim/experiment-run.ts). Prints the progress lines `actorkube chaos run` prints (at
 * virtual times), the fault timeline, the verdict, the invariants, the digest and the replay
 * command. Exit code: 0 Passed with every invariant held; 1 Failed, Aborted, no verdict or an
 * invariant violated; 2 a file that is not a valid experiment or asks for what the simulation
 * cannot do (a fault kind it has no counterpart for).
 */
import { randomInt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { parseAllDocuments } from 'yaml'
import { CHAOS_API_VERSION, type ChaosExperimentSpec, type ProbeSpec } from '../actors/chaos/api.ts'
import type { KubeObject } from '../actors/apiserver/ports.ts'
import { validateChaosExperiment } from '../actors/apiserver/validation/chaos-kinds.ts'
import { verdictLine } from '../runtime/cli/chaos-run.ts'
import { unsimulatedFaults } from '../runtime/sim/experiment-faults.ts'
import { describeMessage } from '../runtime/sim/report.ts'
import { runExperiment, type ExperimentRunResult } from '../runtime/sim/experiment-run.ts'
import { DEFAULT_SIM_NODES } from '../runtime/sim/sim-cluster.ts'
import { integerFlag } from './cli-flags.ts'

export interface ExperimentOptions {
  readonly file: string
  readonly seed: number
  readonly nodes: number
  /** Manifest files created through the API before the experiment (a Deployment its probes watch). */
  readonly apply: readonly string[]
  /** Print every message published in this window of virtual ms (decoded), to follow a run message by message. */
  readonly messages?: { readonly fromMs: number; readonly toMs: number }
  readonly verbose: boolean
}

/** Probes that reach outside the process (a URL, the hosts' /metrics): not run in the simulation. */
const OUTSIDE: readonly ProbeSpec['type'][] = ['http', 'metric']

/** Bad input: printed as it is, exit code 2. */
export class ExperimentRefused extends Error {
  override readonly name = 'ExperimentRefused'
}

export const EXPERIMENT_USAGE = [
  'usage: npm run sim -- --experiment FILE [--seed N] [--nodes N] [--apply MANIFEST]... [--messages FROM..TO] [--verbose]',
  '--experiment FILE    a ChaosExperiment YAML file, run against the simulated cluster',
  "--seed N             the simulation's seed, and the experiment's unless its spec names one (random if absent; printed)",
  `--nodes N            hollow kubelet hosts (default ${DEFAULT_SIM_NODES})`,
  '--apply MANIFEST     objects created through the API before the experiment (its Deployments waited for)',
  '--messages FROM..TO  print every message between these virtual seconds, decoded',
  '--verbose            print every invariant, held or not',
].join('\n')

export function parseExperimentOptions(argv: readonly string[]): ExperimentOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { experiment: { type: 'string' }, seed: { type: 'string' }, nodes: { type: 'string' }, apply: { type: 'string', multiple: true }, messages: { type: 'string' }, verbose: { type: 'boolean' } },
    strict: true,
  })
  if (values.experiment === undefined || values.experiment === '') throw new RangeError('--experiment FILE: a ChaosExperiment YAML file')
  const messages = values.messages === undefined ? undefined : messageWindow(values.messages)
  return { file: values.experiment, seed: integerFlag('seed', values.seed, randomInt(0, 2 ** 31), 0), nodes: integerFlag('nodes', values.nodes, DEFAULT_SIM_NODES, 1), apply: values.apply ?? [], ...(messages ? { messages } : {}), verbose: values.verbose ?? false }
}

/** `--messages 12.5..13` (virtual seconds, as the progress lines print them) as a window in ms. */
export function messageWindow(text: string): { fromMs: number; toMs: number } {
  const match = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(text)
  if (match === null || Number(match[1]) > Number(match[2])) throw new RangeError(`--messages: expected FROM..TO in virtual seconds (e.g. 12.5..13), got ${JSON.stringify(text)}`)
  return { fromMs: Number(match[1]) * 1000, toMs: Number(match[2]) * 1000 }
}

/** The one ChaosExperiment of a YAML file, validated; throws ExperimentRefused with every reason. */
export function experimentOf(text: string, file: string): { name: string; spec: ChaosExperimentSpec } {
  const docs = parseAllDocuments(text)
  for (const doc of Array.isArray(docs) ? docs : [docs]) if (doc.errors.length > 0) throw new ExperimentRefused(`${file}: not YAML: ${doc.errors[0]!.message}`)
  const experiments = (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS() as KubeObject).filter((o) => o?.kind === 'ChaosExperiment')
  if (experiments.length !== 1) throw new ExperimentRefused(`${file}: expected one ChaosExperiment (kind: ChaosExperiment), found ${experiments.length}`)
  const object = experiments[0]!
  if (object.apiVersion !== CHAOS_API_VERSION) throw new ExperimentRefused(`${file}: apiVersion: Unsupported value: ${JSON.stringify(object.apiVersion)}: supported values: "${CHAOS_API_VERSION}"`)
  const name = object.metadata?.name
  if (typeof name !== 'string' || name === '') throw new ExperimentRefused(`${file}: metadata.name: Required value`)
  const errors = validateChaosExperiment(object)
  if (errors.length > 0) throw new ExperimentRefused(`${file}: ChaosExperiment ${JSON.stringify(name)} is invalid:\n${errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`)
  const spec = object.spec as unknown as ChaosExperimentSpec
  const unsimulated = unsimulatedFaults(spec.method.faults)
  if (unsimulated.length > 0) throw new ExperimentRefused(`${file}: the simulation cannot run this experiment:\n${unsimulated.map((l) => `  ${l}`).join('\n')}`)
  return { name, spec }
}

/** The spec without the probes the simulation cannot run, and one warning per probe left out. */
export function simulatedProbes(spec: ChaosExperimentSpec): { spec: ChaosExperimentSpec; skipped: string[] } {
  const probes = spec.steadyState?.probes ?? []
  const outside = probes.filter((p) => OUTSIDE.includes(p.type))
  if (outside.length === 0) return { spec, skipped: [] }
  const kept = probes.filter((p) => !OUTSIDE.includes(p.type))
  const skipped = outside.map((p) => `probe ${p.name} (${p.type}) is not run in the simulation (it reaches outside the process): skipped, so the verdict does not include it`)
  return { spec: { ...spec, steadyState: { ...spec.steadyState, probes: kept } }, skipped }
}

export function replayLine(options: ExperimentOptions): string {
  return `npm run sim -- --experiment ${options.file} --seed ${options.seed}${options.nodes !== DEFAULT_SIM_NODES ? ` --nodes ${options.nodes}` : ''}${options.apply.map((f) => ` --apply ${f}`).join('')}`
}

/** Every object of the manifest files, in order. */
async function manifestsOf(files: readonly string[]): Promise<KubeObject[]> {
  const objects: KubeObject[] = []
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new ExperimentRefused(`${file}: not YAML: ${doc.errors[0]!.message}`)
      const object = doc.toJS() as KubeObject | null
      if (object !== null) objects.push(object)
    }
  }
  return objects
}

/** Runs the file; prints as it goes; returns the exit code. */
export async function experimentMain(argv: readonly string[], say: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  let options: ExperimentOptions
  let experiment: { name: string; spec: ChaosExperimentSpec }
  let manifests: KubeObject[]
  if (argv.includes('--help')) {
    say(EXPERIMENT_USAGE)
    return 0
  }
  try {
    options = parseExperimentOptions(argv)
  } catch (error) {
    say(`sim: ${error instanceof Error ? error.message : String(error)}\n${EXPERIMENT_USAGE}`)
    return 2
  }
  try {
    experiment = experimentOf(await readFile(options.file, 'utf8'), options.file)
    manifests = await manifestsOf(options.apply)
  } catch (error) {
    say(`sim: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  const { spec, skipped } = simulatedProbes(experiment.spec)
  say(`sim: experiment ${experiment.name} from ${options.file}, seed ${options.seed}${spec.seed !== undefined ? ` (the experiment's own seed ${spec.seed} picks its targets)` : ''}, ${options.nodes} nodes`)
  for (const warning of skipped) say(`  warning: ${warning}`)
  // A rejection nobody handled is a bug in the code under test: said, and counted against the run.
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const result = await runExperiment({ name: experiment.name, spec, seed: options.seed, nodes: options.nodes, manifests })
    for (const line of report(result, experiment.name, skipped, options)) say(line)
    if (unhandled.length > 0) say(`  note: ${unhandled.length} unhandled rejection(s), first: ${String(unhandled[0])}`)
    return unhandled.length > 0 ? 1 : exitCode(result)
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
}

/** 0: Passed with every invariant held; 1 otherwise (Failed, Aborted, no verdict, an invariant violated). */
export const exitCode = (result: Pick<ExperimentRunResult, 'status' | 'results'>): number => (result.status?.verdict === 'Passed' && result.results.every((r) => r.held) ? 0 : 1)

export function report(result: ExperimentRunResult, name: string, skipped: readonly string[], options: ExperimentOptions): string[] {
  const lines = [...result.progress]
  lines.push('timeline (the step\'s Events, what the simulation did):', ...result.timeline.map((l) => `  ${l}`))
  const status = result.status
  lines.push(status?.phase === 'Completed' ? verdictLine(name, status) : `${name}: no verdict (${status?.phase ?? 'never started'})`)
  for (const warning of skipped) lines.push(`  skipped: ${warning}`)
  const held = result.results.filter((r) => r.held).length
  lines.push(`invariants: ${held}/${result.results.length} held`)
  for (const r of result.results) if (options.verbose || !r.held) lines.push(`  ${r.held ? 'held' : 'VIOLATED'} ${r.name}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''}`)
  if (options.messages !== undefined) {
    const { fromMs, toMs } = options.messages
    lines.push(`messages from ${fromMs / 1000} to ${toMs / 1000} virtual s:`, ...result.cluster.sim.trace.filter((m) => m.at >= fromMs && m.at <= toMs).map((m) => describeMessage(m)))
  }
  const rate = result.virtualMs / Math.max(1, result.wallMs)
  lines.push(`sim: seed ${result.seed}, ${(result.virtualMs / 1000).toFixed(1)} virtual s in ${(result.wallMs / 1000).toFixed(1)} wall s (${rate.toFixed(1)} virtual s per wall s), ${result.messages} messages, digest ${result.digest.slice(0, 16)}`)
  lines.push(`replay: ${replayLine(options)}`)
  return lines
}
