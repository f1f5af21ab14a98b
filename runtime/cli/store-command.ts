/** `actorkube store ...`: talk to the cluster store of a running cluster (status, get, put, del, watch). */
import { Command, InvalidArgumentError } from 'commander'
import type { KeyValue, WatchEvent } from '../../actors/store/mvcc/types.ts'
import { systemClock } from '../clock.ts'
import { StoreClient } from '../store/store-client.ts'
import { withClusterConnection } from './cluster-info.ts'

interface Common {
  nats?: string
  stateDir: string
  cluster?: string
  replicas?: string
}

const decoder = new TextDecoder()
const show = (kv: KeyValue) => ({ key: kv.key, value: decoder.decode(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, lease: kv.lease })
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`)

async function withClient<T>(common: Common, work: (client: StoreClient, replicas: readonly string[]) => Promise<T>): Promise<T> {
  return withClusterConnection(common, 'actorkube-store', async (transport, cluster, info) => {
    const replicas = common.replicas?.split(',') ?? info.store
    if (!replicas?.length) throw new Error('no store replicas known: pass --replicas a,b,c')
    const client = new StoreClient({ transport, clock: systemClock, cluster, replicas: [...replicas] })
    try {
      return await work(client, replicas)
    } finally {
      await client.close()
    }
  })
}

const revision = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--from must be a revision (an integer >= 0)')
  return n
}

export function storeCommand(): Command {
  const store = new Command('store')
    .description('read and write the cluster store (replicas from the state dir unless --replicas)')
    .option('--nats <url>', 'NATS server (default: the one recorded by up in the state dir)')
    .option('--state-dir <dir>', 'state dir of a running `actorkube up`', '.actorkube')
    .option('--cluster <name>', 'cluster name')
    .option('--replicas <ids>', 'comma-separated replica ids')
    .enablePositionalOptions(false)
  const common = (command: Command) => command.optsWithGlobals<Common>()
  store
    .command('status')
    .description("every replica's Raft and MVCC state, one JSON line each")
    .action(async (_o: unknown, command: Command) =>
      withClient(common(command), async (client, replicas) => {
        for (const id of replicas) print(await client.status(id).catch((error: unknown) => ({ id, error: String(error) })))
      }),
    )
  store
    .command('put <key> <value>')
    .description('write a key (linearizable; prints the new revision)')
    .action(async (key: string, value: string, _o: unknown, command: Command) =>
      withClient(common(command), async (client) => print(await client.put(key, new TextEncoder().encode(value)))),
    )
  store
    .command('get <key>')
    .description('read a key, or every key under a prefix with --prefix')
    .option('--prefix', 'the key is a prefix')
    .option('--serializable', 'answer from any replica, possibly stale')
    .action(async (key: string, o: { prefix?: boolean; serializable?: boolean }, command: Command) =>
      withClient(common(command), async (client) => {
        const result = await client.range({ key, ...(o.prefix ? { prefix: true } : {}) }, { serializable: o.serializable === true })
        print({ revision: result.revision, count: result.count, kvs: result.kvs.map(show) })
      }),
    )
  store
    .command('del <key>')
    .description('delete a key, or every key under a prefix with --prefix')
    .option('--prefix', 'the key is a prefix')
    .action(async (key: string, o: { prefix?: boolean }, command: Command) =>
      withClient(common(command), async (client) => print(await client.delete(o.prefix ? { key, prefix: true } : key))),
    )
  store
    .command('watch <key>')
    .description('print changes to a key (or prefix) as they are applied, until Ctrl-C')
    .option('--prefix', 'the key is a prefix')
    .option('--from <revision>', 'start at this revision (default: the next change)', revision)
    .action(async (key: string, o: { prefix?: boolean; from?: number }, command: Command) =>
      withClient(common(command), async (client) => {
        const onEvents = (events: readonly WatchEvent[]) => {
          for (const e of events) print({ type: e.type, revision: e.revision, ...show(e.kv) })
        }
        const watch = await client.watch({ key, ...(o.prefix ? { prefix: true } : {}), ...(o.from !== undefined ? { fromRevision: o.from } : {}) }, onEvents)
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve)
          process.once('SIGTERM', resolve)
        })
        await watch.cancel()
      }),
    )
  return store
}
