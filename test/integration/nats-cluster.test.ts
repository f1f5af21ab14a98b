/**
 * runtime/nats-cluster.ts with real nats-servers: three members in a full mesh, request/reply and
 * queue groups across routes, a client that fails over to a server it learned by gossip, and a
 * member killed and restarted on its ports. The NATS semantics `up` relies on (docs/architecture.md).
 */
import t from 'tap'
import { requestNatsControl, serveNatsControl } from '../../runtime/cli/nats-control.ts'
import { systemClock } from '../../runtime/clock.ts'
import { NatsCluster } from '../../runtime/nats-cluster.ts'
import { NatsTransport } from '../../runtime/transport/nats-transport.ts'
import { Requester } from '../../runtime/transport/requester.ts'
import { isAlive } from '../helpers/processes.ts'
import { tempDir } from '../helpers/nats.ts'
import { waitFor } from '../helpers/wait.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const nats = await NatsCluster.start({ dir: await tempDir(t, 'ak-nats-cluster-'), servers: 3 })
t.teardown(() => nats.stop())

async function client(name: string, servers: readonly string[]): Promise<NatsTransport> {
  const transport = await NatsTransport.connect({ servers, name })
  t.teardown(() => transport.close().catch(() => {}))
  return transport
}

t.test('nats cluster - three members, each with routes to both others', async (t) => {
  const status = nats.status()
  t.same(status.map((s) => [s.index, s.running, s.routes]), [[1, true, 2], [2, true, 2], [3, true, 2]], 'all running, two routes each')
  t.equal(new Set(nats.urls).size, 3, 'three client URLs')
})

t.test('nats cluster - request/reply and queue groups across routes', async (t) => {
  const first = await client('on-nats-1', [nats.urls[0]!])
  const third = await client('on-nats-3', [nats.urls[2]!])
  t.equal(first.server, new URL(nats.urls[0]!).host, 'the requester is connected to nats-1')
  t.equal(third.server, new URL(nats.urls[2]!).host, 'the responders are connected to nats-3')
  const served: string[] = []
  for (const name of ['r1', 'r2']) {
    third.subscribe('svc.echo', (m) => {
      served.push(name)
      if (m.reply) third.publish(m.reply, m.data)
    }, { queue: 'svc' })
  }
  await third.flush()
  const requester = new Requester(first, systemClock)
  t.teardown(() => requester.close())
  // Interest crosses the route asynchronously: the first request may find no responder yet.
  await waitFor(() => requester.request('svc.echo', encoder.encode('warm-up'), { timeoutMs: 200 }).then(() => true), { what: 'the responders to be known on nats-1' })
  served.length = 0
  for (let i = 0; i < 10; i++) {
    const reply = await requester.request('svc.echo', encoder.encode(`q${i}`), { timeoutMs: 2_000 })
    t.equal(decoder.decode(reply.data), `q${i}`, `request ${i} answered across the route`)
  }
  t.equal(served.length, 10, 'each request went to one member of the queue group, not to both')
})

t.test('nats cluster - a killed member: its clients fail over to a server learned by gossip, and it restarts on its ports', async (t) => {
  const onSecond = await client('on-nats-2', [nats.urls[1]!])
  const publisher = await client('on-nats-1-too', [nats.urls[0]!])
  const received: string[] = []
  onSecond.subscribe('topic.after', (m) => void received.push(decoder.decode(m.data)))
  await onSecond.flush()

  const pid = nats.status()[1]!.pid!
  await nats.kill(2)
  t.notOk(isAlive(pid), 'nats-2 is gone')
  // The survivors log the lost route a moment after the exit.
  const survivors = await waitFor(() => {
    const s = nats.status().map((m) => [m.running, m.routes])
    return JSON.stringify(s) === JSON.stringify([[true, 1], [false, 0], [true, 1]]) && s
  }, { what: 'nats-1 and nats-3 to drop their routes to nats-2' })
  t.same(survivors, [[true, 1], [false, 0], [true, 1]], 'the others keep one route each (to each other)')

  // Its only configured URL is dead: the client reconnects to nats-1 or nats-3, which nats-2 gossiped.
  await waitFor(() => {
    publisher.publish('topic.after', encoder.encode('hello'))
    return received.includes('hello')
  }, { timeoutMs: 10_000, intervalMs: 50, what: 'the subscription to work again through another server' })
  t.not(onSecond.server, new URL(nats.urls[1]!).host, `the client moved to ${onSecond.server}`)

  const url = nats.urls[1]
  await nats.restart(2)
  await nats.waitForMesh(10_000)
  t.equal(nats.urls[1], url, 'nats-2 serves on its old client port')
  t.same(nats.status().map((s) => [s.running, s.routes]), [[true, 2], [true, 2], [true, 2]], 'the full mesh again')
  const back = await client('back-on-nats-2', [url!])
  t.equal(back.server, new URL(url!).host, 'a client connects to the restarted member')
})

t.test('nats cluster - the control subject: status, kill by index, restart, and clear refusals', async (t) => {
  const server = await client('control-server', nats.urls)
  serveNatsControl(server, 'c1', nats)
  await server.flush()
  const caller = await client('control-caller', nats.urls)
  const requester = new Requester(caller, systemClock)
  t.teardown(() => requester.close())
  const ask = (event: { type: string } & Record<string, unknown>) => requestNatsControl(requester, 'c1', event)
  await waitFor(() => ask({ type: 'nats.status' }).then(() => true), { what: 'the control subject to answer' })
  t.match(await ask({ type: 'nats.status' }), { type: 'nats.status', servers: [{ index: 1, running: true }, { index: 2, running: true }, { index: 3, running: true }] })
  const pid = nats.status()[2]!.pid!
  t.match(await ask({ type: 'nats.kill', index: 3, signal: 'SIGTERM' }), { type: 'nats.kill.accepted', index: 3, pid })
  await waitFor(() => !isAlive(pid), { what: 'nats-3 to exit' })
  t.match(await waitFor(async () => {
    const s = await ask({ type: 'nats.status' })
    return (s.servers as { running: boolean }[])[2]!.running === false && s
  }, { what: 'nats-3 reported down' }), { servers: [{ running: true }, { running: true }, { running: false }] }, 'status reports it down')
  t.match(await ask({ type: 'nats.restart', index: 3 }), { type: 'nats.restarted', index: 3 })
  await nats.waitForMesh(10_000)
  t.match(await ask({ type: 'nats.kill', index: 0 }), { type: 'nats.error', message: 'index must be a nats-server number 1..3, got 0' })
  t.match(await ask({ type: 'nats.kill', index: 1, signal: 'SIGSTOP' }), { type: 'nats.error', message: 'signal must be one of SIGKILL, SIGTERM, got "SIGSTOP"' })
  t.match(await ask({ type: 'nats.reboot', index: 1 }), { type: 'nats.error', message: /unknown request type "nats.reboot"/ })
  t.ok(nats.status().every((m) => m.running), 'no refused request touched a server')
})

t.test('nats cluster - bad input', async (t) => {
  await t.rejects(nats.kill(4), new RangeError('no nats-server 4: members are 1..3'))
  await t.rejects(NatsCluster.start({ dir: '/tmp/unused', servers: 0 }), new RangeError('a NATS cluster needs at least 1 server, got 0'))
})

t.test('nats cluster - one member is a plain server (no routes)', async (t) => {
  const single = await NatsCluster.start({ dir: await tempDir(t, 'ak-nats-single-'), servers: 1 })
  t.teardown(() => single.stop())
  t.same(single.status().map((s) => [s.running, s.routes]), [[true, 0]])
})
