/**
 * The usual integration fixture in one call: a temp directory, a nats-server, some host processes
 * and a raw client, all torn down in reverse order (client, hosts, server, directory).
 */
import { RawClient } from './client.ts'
import { startHosts, type HostSpec, type StartHostOptions, type TestHost } from './hosts.ts'
import { startNatsFor, type TeardownOwner, type TestNats } from './nats.ts'

export interface TestCluster {
  readonly dir: string
  readonly nats: TestNats
  readonly hosts: Readonly<Record<string, TestHost>>
  readonly client: RawClient
  /** The named host; throws if the fixture has none by that name. */
  host(name: string): TestHost
}

export async function startCluster(owner: TeardownOwner, specs: readonly HostSpec[], options: StartHostOptions = {}): Promise<TestCluster> {
  const nats = await startNatsFor(owner)
  const hosts = await startHosts(owner, nats.dir, nats.url, specs, options)
  const client = await RawClient.connectFor(owner, nats.url, { cluster: specs[0]?.cluster ?? 'c1' })
  return {
    dir: nats.dir,
    nats,
    hosts,
    client,
    host(name) {
      const host = hosts[name]
      if (!host) throw new Error(`no host ${name} in this cluster (have ${Object.keys(hosts).join(', ')})`)
      return host
    },
  }
}
