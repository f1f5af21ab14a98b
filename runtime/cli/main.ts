/** The actorkube command line. */
import { Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_SHAPE } from '../cluster/local-cluster.ts'
import { chaosCommand } from './chaos-command.ts'
import { runHost } from './host-command.ts'
import { storeCommand } from './store-command.ts'
import { runUp } from './up.ts'

const count = (name: string, min: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`)
  return n
}

const program = new Command('actorkube').description('A Kubernetes-style orchestrator of XState actors over NATS').showHelpAfterError()

program
  .command('up')
  .description('run a local cluster in the foreground: a NATS cluster, master hosts, worker hosts and the front door (one apiserver address)')
  .option('--state-dir <dir>', 'where configs, logs and data live', '.actorkube')
  .option('--nats <url>', 'use this NATS server instead of starting one')
  .option('--nats-servers <n>', 'nats-servers to start, joined by routes into one NATS cluster (1: a single server)', count('--nats-servers', 1), 3)
  .option('--masters <n>', 'master hosts', count('--masters', 1), DEFAULT_SHAPE.masters)
  .option('--workers <n>', 'worker hosts (one process-runtime node each)', count('--workers', 0), DEFAULT_SHAPE.workers)
  .option('--demo', 'once ready, run the demo workload (examples/echo.yaml: 3 echo pods behind NodePort 30080)')
  .option('--no-chaos-controller', 'run no chaos controller: ChaosExperiments are stored but never run')
  .option('--encrypt-secrets', 'encrypt Secrets at rest: writes <state-dir>/security/encryption-config.yaml with a fresh AES-GCM key unless it exists (an existing file is always used)')
  .option('--hollow-nodes <n>', 'add a host with this many hollow nodes (simulated runtime)', count('--hollow-nodes', 0), 0)
  .option('--cluster <name>', 'cluster name (the second subject token)', DEFAULT_SHAPE.cluster)
  .addOption(new Option('--runtime <runtime>', 'runtime for host processes').choices(['node', 'deno']).default('node'))
  .option('--ready-timeout <ms>', 'give up if hosts are not up by then', count('--ready-timeout', 1), 60_000)
  .option('--status-interval <ms>', 'status line period; 0 disables it', count('--status-interval', 0), 5_000)
  .option('--api-port <port>', 'the front door: one HTTPS address over the ready apiservers (master-N serves on port+N); 0: free ports', count('--api-port', 0), 6443)
  .action(async (o: { stateDir: string; nats?: string; natsServers: number; masters: number; workers: number; hollowNodes: number; chaosController: boolean; demo?: boolean; encryptSecrets?: boolean; cluster: string; runtime: 'node' | 'deno'; readyTimeout: number; statusInterval: number; apiPort: number }, command: Command) => {
    if (o.nats && command.getOptionValueSource('natsServers') === 'cli') command.error('error: --nats-servers says how many nats-servers to start, and with --nats URL up starts none: pass one or the other')
    await runUp({
      stateDir: o.stateDir,
      ...(o.nats ? { nats: o.nats } : {}),
      natsServers: o.natsServers,
      shape: { cluster: o.cluster, masters: o.masters, workers: o.workers, hollowNodes: o.hollowNodes, chaosController: o.chaosController },
      demo: o.demo === true,
      encryptSecrets: o.encryptSecrets === true,
      runtime: o.runtime,
      readyTimeoutMs: o.readyTimeout,
      statusIntervalMs: o.statusInterval,
      apiPort: o.apiPort,
    })
  })

program
  .command('host')
  .description('run one actor host from a config file')
  .requiredOption('--config <file>', 'host config (YAML)')
  .option('--nats <url...>', 'NATS server URLs (override the config)')
  .action(async (o: { config: string; nats?: string[] }) => {
    await runHost(o.config, o.nats ? { nats: o.nats } : {})
  })

program.addCommand(chaosCommand())
program.addCommand(storeCommand())

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`actorkube: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
