/** TcpListeners with real loopback sockets: piping, retries past dead backends, busy addresses, removal. */
import t, { type Test } from 'tap'
import type { Backend, Listener } from '../../../actors/proxy/desired.ts'
import { backendKey } from '../../../actors/proxy/desired.ts'
import { systemClock, type Clock } from '../../../runtime/clock.ts'
import { createLogger } from '../../../runtime/log.ts'
import { TcpListeners } from '../../../runtime/proxy/tcp-listeners.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { converse, freePort, randomOctet, startBackends, whoAnswers } from '../../helpers/tcp-backends.ts'
import { waitFor } from '../../helpers/wait.ts'

const X = randomOctet()
const FRONT = `127.${X}.1.1`
const log = createLogger({ base: {}, level: 'silent' })

/** Listeners whose choose() round-robins over `backends()`. */
function listenersOver(t: Test, backends: () => readonly Backend[], retryMs = 100, clock: Clock = systemClock) {
  let next = 0
  const l = new TcpListeners({
    clock,
    log,
    retryMs,
    choose: (_target, _client, exclude) => {
      const live = backends().filter((b) => !exclude.has(backendKey(b)))
      return live.length === 0 ? undefined : live[next++ % live.length]
    },
  })
  t.teardown(() => l.close())
  return l
}
const listener = (port: number, address = FRONT): Listener => ({ key: `${address}:${port}`, address, port, kind: 'clusterIP', target: 'default/a:' })

t.test('connections are piped to the chosen backends; a dead one is skipped', async (t) => {
  const b = await startBackends(t, [`127.${X}.0.2`, `127.${X}.0.3`, `127.${X}.0.4`])
  const port = await freePort(FRONT)
  const l = listenersOver(t, () => b.ips.map((ip) => ({ ip, port: b.port })))
  l.apply([listener(port)])
  await waitFor(() => l.bound === 1, { what: 'the listener to bind' })
  const seen = new Set<string>()
  for (let i = 0; i < 6; i++) seen.add(await whoAnswers(FRONT, port))
  t.same([...seen].sort(), [...b.ips].sort())
  const c = await converse(FRONT, port)
  t.equal(await c.echo('hello'), 'hello', 'bytes flow both ways')
  c.close()
  await b.stop(`127.${X}.0.3`)
  const after = new Set<string>()
  for (let i = 0; i < 6; i++) after.add(await whoAnswers(FRONT, port))
  t.same([...after].sort(), [`127.${X}.0.2`, `127.${X}.0.4`], 'the refusing backend is passed over, no connection lost')
})

t.test('without backends a connection is closed at once', async (t) => {
  const port = await freePort(FRONT)
  const l = listenersOver(t, () => [])
  l.apply([listener(port)])
  await waitFor(() => l.bound === 1)
  t.equal(await whoAnswers(FRONT, port), '')
})

t.test('a busy address is retried until its holder goes', async (t) => {
  const b = await startBackends(t, [`127.${X}.0.5`])
  const port = await freePort(FRONT)
  const first = listenersOver(t, () => [{ ip: b.ips[0]!, port: b.port }])
  // The second one's retries run on virtual time: the test decides when each happens.
  const clock = new VirtualClock()
  const second = listenersOver(t, () => [{ ip: b.ips[0]!, port: b.port }], 100, clock)
  first.apply([listener(port)])
  await waitFor(() => first.bound === 1)
  second.apply([listener(port)])
  await waitFor(() => clock.pending === 1, { what: 'the second listener to find the address busy and schedule a retry' })
  clock.advance(100)
  await waitFor(() => clock.pending === 1, { what: 'the retry to find the address still busy' })
  t.equal(second.bound, 0, 'the second one waits')
  await first.close()
  clock.advance(100)
  await waitFor(() => second.bound === 1, { what: 'the second listener to take over' })
  t.equal(await whoAnswers(FRONT, port), b.ips[0])
})

t.test('a removed listener stops accepting; its established connections carry on', async (t) => {
  const b = await startBackends(t, [`127.${X}.0.6`])
  let backends: Backend[] = [{ ip: b.ips[0]!, port: b.port }]
  const port = await freePort(FRONT)
  const l = listenersOver(t, () => backends)
  l.apply([listener(port)])
  await waitFor(() => l.bound === 1)
  const c = await converse(FRONT, port)
  backends = []
  l.apply([])
  t.equal(l.wanted, 0)
  t.equal(await c.echo('still'), 'still')
  await t.rejects(converse(FRONT, port), { code: 'ECONNREFUSED' })
  c.close()
})
