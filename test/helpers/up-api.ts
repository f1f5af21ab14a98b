/**
 * `actorkube up` (by default 3 masters and no workers), ready, and an ApiClient on its NATS: what the
 * tests of the control plane's actors (scheduler, controllers, watches over NATS) start from.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApiClient, type ApiClientOptions } from '../../runtime/apiserver/api-client.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import type { TeardownOwner } from './nats.ts'
import { startUp } from './up-process.ts'

export interface UpWithApi {
  readonly stateDir: string
  readonly info: { readonly nats: string; readonly natsServers?: string[]; readonly cluster: string; readonly store: string[] }
  readonly api: ApiClient
}

/** `upArgs` replace the shape (default: `--masters 3 --workers 0`). */
export async function upWithApi(owner: TeardownOwner, prefix: string, client: Partial<Pick<ApiClientOptions, 'timeoutMs' | 'watchKeepAliveMs'>> = {}, upArgs: readonly string[] = ['--masters', '3', '--workers', '0']): Promise<UpWithApi> {
  const { stateDir, output } = await startUp(owner, [...upArgs, '--api-port', '0', '--status-interval', '0'], { prefix })
  await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })
  const info = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as UpWithApi['info']
  // Every nats-server up started: the connection survives the loss of any one of them.
  const transport = await NatsTransport.connect({ servers: info.natsServers ?? [info.nats], name: prefix })
  owner.teardown(() => transport.close())
  const api = new ApiClient({ transport, cluster: info.cluster, apiservers: info.store, ...client })
  owner.teardown(() => api.close())
  return { stateDir, info, api }
}
