/** `actorkube chaos ...`: switch faults on and off in running hosts over their control subjects. */
import { Command, InvalidArgumentError } from 'commander'
import { sendChaos } from '../chaos/chaos-client.ts'
import { systemClock } from '../clock.ts'
import type { OutboundEvent } from '../codec.ts'
import { chaosReport } from './chaos-report.ts'
import { chaosRun } from './chaos-run.ts'
import { withClusterConnection } from './cluster-info.ts'

interface Common {
  nats?: string
  stateDir: string
  cluster?: string
  host?: string
}

const number = (name: string) => (value: string) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`)
  return n
}


async function run(common: Common, command: OutboundEvent): Promise<void> {
  await withClusterConnection(common, 'actorkube-chaos', async (transport, cluster) => {
    const answers = await sendChaos(transport, systemClock, { cluster, command, ...(common.host ? { host: common.host } : {}) })
    if (answers.length === 0) throw new Error('no host answered')
    for (const answer of answers) process.stdout.write(`${JSON.stringify(answer)}\n`)
    if (answers.some((a) => a.type === 'chaos.error')) process.exitCode = 1
  })
}

export function chaosCommand(): Command {
  // Shared options live on `chaos` itself, so they may come before or after the subcommand.
  const chaos = new Command('chaos')
    .description('inject faults into running hosts (all hosts unless --host)')
    .option('--nats <url>', 'NATS server (default: the one recorded by up in the state dir)')
    .option('--state-dir <dir>', 'state dir of a running `actorkube up`', '.actorkube')
    .option('--cluster <name>', 'cluster name')
    .option('--host <host>', 'only this host')
    .enablePositionalOptions(false)
  const common = (command: Command) => command.optsWithGlobals<Common>()
  const sub = (usage: string) =>
    chaos
      .command(usage)
      .option('--host <host>', 'only this host')
      .option('--nats <url>', 'NATS server')
      .option('--state-dir <dir>', 'state dir of a running `actorkube up`')
      .option('--cluster <name>', 'cluster name')
  for (const kind of ['drop', 'delay', 'duplicate', 'reorder'] as const) {
    sub(`${kind} <subject>`)
      .description(`${kind} messages published on subjects matching a NATS pattern`)
      .option('--probability <p>', 'chance per message, 0..1', number('--probability'), 1)
      .option('--delay <ms>', 'delay (delay) or longest hold (reorder)', number('--delay'))
      .option('--jitter <ms>', 'uniform jitter around --delay', number('--jitter'))
      .option('--id <id>', 'rule id (to clear it alone); default kind:subject')
      .action(async (subject: string, _o: unknown, command: Command) => {
        const o = common(command) as Common & { probability: number; delay?: number; jitter?: number; id?: string }
        await run(o, {
          type: 'chaos.fault',
          rule: {
            kind,
            subject,
            probability: o.probability,
            ...(o.id ? { id: o.id } : {}),
            ...(o.delay !== undefined ? { delayMs: o.delay } : {}),
            ...(o.jitter !== undefined ? { jitterMs: o.jitter } : {}),
          },
        } as OutboundEvent)
      })
  }
  sub('clear')
    .description('remove fault rules (all, or --id)')
    .option('--id <id>', 'only this rule')
    .action(async (_o: unknown, command: Command) => {
      const o = common(command) as Common & { id?: string }
      await run(o, { type: 'chaos.clear', ...(o.id ? { id: o.id } : {}) } as OutboundEvent)
    })
  sub('partition <hosts>')
    .description('cut the comma-separated hosts off from the --from hosts, both ways')
    .requiredOption('--from <hosts>', 'comma-separated hosts on the other side')
    .action(async (hosts: string, _o: unknown, command: Command) => {
      const o = common(command) as Common & { from: string }
      await run(o, { type: 'chaos.partition', groups: [hosts.split(','), o.from.split(',')] } as OutboundEvent)
    })
  sub('heal')
    .description('end partitions')
    .action(async (_o: unknown, command: Command) => run(common(command), { type: 'chaos.heal' }))
  for (const verb of ['pause', 'resume'] as const) {
    sub(`${verb} <actor>`)
      .description(`${verb} an actor, named component/id (e.g. echo/worker-1)`)
      .action(async (actor: string, _o: unknown, command: Command) => run(common(command), { type: `chaos.${verb}`, actor } as OutboundEvent))
  }
  sub('status')
    .description("print each host's faults")
    .action(async (_o: unknown, command: Command) => run(common(command), { type: 'chaos.status' }))
  sub('run <file>')
    .description('run one ChaosExperiment from a file: progress lines, then the verdict; exits 1 unless Passed')
    .option('-n, --namespace <ns>', 'namespace (default: the file\'s, or default)')
    .option('--timeout <s>', 'give up waiting for a verdict after this many seconds', number('--timeout'), 900)
    .action(async (file: string, _o: unknown, command: Command) => {
      const o = common(command) as Common & { namespace?: string; timeout: number }
      process.exitCode = await chaosRun(file, { ...o, timeoutS: o.timeout })
    })
  sub('report <name>')
    .description('write NAME.json and NAME.html (a self-contained page with an SVG timeline) for one ChaosExperiment')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--out <dir>', 'directory to write the two files to', '.')
    .action(async (name: string, _o: unknown, command: Command) => {
      const o = common(command) as Common & { namespace: string; out: string }
      process.exitCode = await chaosReport(name, o)
    })
  return chaos
}
