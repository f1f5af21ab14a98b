/**
 * A ChaosExperiment file replayed in the simulation (`npm run sim -- --experiment FILE --seed N`):
 * a shortened store-leader-kill runs twice under one seed and gives the same digest, progress,
 * fault timeline, status and invariants, with the store leader killed and the verdict Passed; a
 * file asking for what the simulation cannot do, or not a valid experiment, is refused with exit
 * code 2 before anything boots. SIM_EXPERIMENT_SEED=N replays another seed.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runExperiment, type ExperimentRunResult } from '../../runtime/sim/experiment-run.ts'
import { experimentMain, experimentOf, exitCode, messageWindow, report, simulatedProbes } from '../../scripts/sim-experiment.ts'
import { seedComment, seedsFrom } from '../helpers/seeds.ts'

const FIXTURE = fileURLToPath(new URL('../fixtures/chaos/store-leader-kill-short.yaml', import.meta.url))
const NODES = 2

const fingerprint = (r: ExperimentRunResult) => ({
  digest: r.digest,
  messages: r.messages,
  virtualMs: r.virtualMs,
  progress: r.progress,
  timeline: r.timeline,
  status: r.status,
  results: r.results.map((x) => `${x.name}:${x.held}:${x.at ?? ''}`),
})

for (const seed of seedsFrom('SIM_EXPERIMENT_SEED', [7])) {
  t.test(`sim experiment - store-leader-kill (short) under seed ${seed} replays byte for byte`, async (t) => {
    t.comment(seedComment('SIM_EXPERIMENT_SEED', seed, import.meta.url))
    const parsed = experimentOf(readFixture(), FIXTURE)
    const { spec, skipped } = simulatedProbes(parsed.spec)
    t.match(skipped, [/probe api-ready \(http\) is not run in the simulation/], 'the http probe is skipped, and said so')
    t.strictSame(spec.steadyState?.probes?.map((p) => p.name), ['store-writes', 'worker-ready'])

    const first = await runExperiment({ name: parsed.name, spec, seed, nodes: NODES })
    const status = first.status!
    t.equal(status.phase, 'Completed', `the experiment completed:\n${first.timeline.join('\n')}`)
    t.equal(status.verdict, 'Passed', `verdict ${status.verdict} (${status.reason})`)
    t.equal(status.seed, 1414, "the experiment's own seed picked its targets")
    t.equal(status.faults.length, 1)
    t.match(status.faults[0]!.targets, [/^master-\d$/], 'the store leader, a master, was the target')
    t.ok(first.timeline.some((l) => l.includes(`kill -9 ${status.faults[0]!.targets[0]}`)), 'the simulation killed it')
    t.ok(status.faults[0]!.injectedAt !== undefined && status.faults[0]!.healedAt !== undefined, 'injected and healed')
    t.equal(status.linearizable, true, 'store check: linearizable')
    t.equal(status.ackedWritesLost, 0, 'store check: no acknowledged write lost')
    t.ok(status.probes.every((p) => p.successes > 0), 'every probe ran during the faults and recovery')
    t.ok(first.results.every((r) => r.held), `every invariant held: ${first.results.filter((r) => !r.held).map((r) => r.name).join(', ')}`)
    t.equal(exitCode(first), 0)

    const printed = report(first, parsed.name, skipped, { file: 'FILE', seed, nodes: NODES, apply: [], verbose: false })
    t.ok(printed.some((l) => l.startsWith(`${parsed.name}: Passed (AllProbesRecovered), seed 1414`)), 'the verdict line, as chaos run prints it')
    t.ok(printed.some((l) => l.includes(`digest ${first.digest.slice(0, 16)}`)), 'the digest')
    t.ok(printed.includes(`replay: npm run sim -- --experiment FILE --seed ${seed} --nodes ${NODES}`), 'the replay command')

    const second = await runExperiment({ name: parsed.name, spec, seed, nodes: NODES })
    t.strictSame(fingerprint(second), fingerprint(first), 'same digest, progress, fault timeline, status and invariants')
  })
}

t.test('sim experiment - a fault kind the simulation cannot do is refused with exit code 2', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'nats.yaml')
  writeFileSync(file, readFixture().replace('kind: host-kill', 'kind: nats-kill').replace('leader: store', 'hosts: {roles: [nats]}'))
  const lines: string[] = []
  t.equal(await experimentMain(['--experiment', file, '--seed', '1'], (l) => lines.push(l)), 2)
  t.match(lines.join('\n'), /spec\.method\.faults\[0\] \(kill-leader\): nats-kill cannot run in the simulation: the simulation has no nats-server/)
})

t.test('sim experiment - an invalid experiment is refused with its field paths, exit code 2', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, readFixture().replace('kind: host-kill', 'kind: disk-melt'))
  const lines: string[] = []
  t.equal(await experimentMain(['--experiment', file, '--seed', '1'], (l) => lines.push(l)), 2)
  t.match(lines.join('\n'), /spec\.method\.faults\[0\]\.kind: Unsupported value: "disk-melt"/)
  t.equal(await experimentMain(['--experiment', join(dir, 'missing.yaml')], () => {}), 2, 'a missing file')
  writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n')
  const podLines: string[] = []
  t.equal(await experimentMain(['--experiment', join(dir, 'pod.yaml')], (l) => podLines.push(l)), 2)
  t.match(podLines.join('\n'), /expected one ChaosExperiment/)
  t.strictSame(messageWindow('12.5..13'), { fromMs: 12_500, toMs: 13_000 })
  const windowLines: string[] = []
  t.equal(await experimentMain(['--experiment', FIXTURE, '--messages', '13..12'], (l) => windowLines.push(l)), 2)
  t.match(windowLines.join('\n'), /--messages: expected FROM\.\.TO in virtual seconds/)
})

function readFixture(): string {
  return readFileSync(FIXTURE, 'utf8')
}
