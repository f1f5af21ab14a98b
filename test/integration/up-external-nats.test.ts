/**
 * `actorkube up --nats URL`: the cluster uses that NATS server and starts none of its own (so
 * there is no nats control subject either), and the hosts and cluster.json name only it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { natsControlSubject } from '../../runtime/cli/nats-control.ts'
import { systemClock } from '../../runtime/clock.ts'
import { encodeEvent } from '../../runtime/codec.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { NoRespondersError, Requester } from '../../runtime/transport/requester.ts'
import { startNatsFor } from '../helpers/nats.ts'
import { isAlive, pidsWithArgument } from '../helpers/processes.ts'
import { startUp } from '../helpers/up-process.ts'

t.setTimeout(300_000)
const nats = await startNatsFor(t)
const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '0', '--nats', nats.url, '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-up-ext-nats-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 90_000, what: '"actorkube ready"' })

t.test('up --nats URL - uses that server and starts none', async (t) => {
  t.equal(output.lines[0], `nats: ${nats.url}`, 'the first line names the given server, not one it started')
  const info = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as { nats: string; natsServers: string[] }
  t.same([info.nats, info.natsServers], [nats.url, [nats.url]], 'cluster.json names only it')
  t.match(readFileSync(join(stateDir, 'hosts', 'master-1.yaml'), 'utf8'), new RegExp(`servers:\\s*\\n\\s*- ${nats.url.replaceAll('.', '\\.')}\\s*\\n`), 'the host config lists only it')
  const started = pidsWithArgument(stateDir).filter(isAlive).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nats-server'))
  t.same(started, [], 'no nats-server runs under the state directory')
})

t.test('up --nats URL - no nats control subject (up runs no nats-server to kill)', async (t) => {
  const transport = await NatsTransport.connect({ servers: [nats.url], name: 'ext-nats-test' })
  t.teardown(() => transport.close())
  const requester = new Requester(transport, systemClock)
  t.teardown(() => requester.close())
  const answer = await requester.request(natsControlSubject('c1'), encodeEvent({ type: 'nats.status' }), { timeoutMs: 2_000 }).catch((e: unknown) => e)
  t.type(answer, NoRespondersError, 'nobody answers it')
})
