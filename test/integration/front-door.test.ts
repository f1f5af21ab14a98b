/**
 * The front door (runtime/cli/front-door.ts) over real loopback sockets: greeting servers stand in
 * for apiservers (each says its name), and the readiness check is the test's to set.
 */
import { createServer, type Server, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { FrontDoor, type Backend } from '../../runtime/cli/front-door.ts'
import { converse, whoAnswers } from '../helpers/tcp-backends.ts'
import { waitFor } from '../helpers/wait.ts'

interface Greeter {
  readonly backend: Backend
  close(): Promise<void>
}

async function greeter(name: string): Promise<Greeter> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.write(`${name}\n`)
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  return {
    backend: { name, port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

async function setup(t: Test, options: { intervalMs?: number } = {}) {
  const greeters = await Promise.all(['a', 'b', 'c'].map(greeter))
  t.teardown(() => Promise.all(greeters.map((g) => g.close())))
  const readiness = new Map(greeters.map((g) => [g.backend.name, true]))
  const changes: string[][] = []
  const door = await FrontDoor.start({
    port: 0,
    backends: () => greeters.map((g) => g.backend),
    ready: async (b) => readiness.get(b.name) === true,
    intervalMs: options.intervalMs ?? 60_000,
    onChange: (ready) => changes.push(ready.map((b) => b.name)),
  })
  t.teardown(() => door.close())
  const answers = async (n: number) => {
    const names: string[] = []
    for (let i = 0; i < n; i++) names.push(await whoAnswers('127.0.0.1', door.port))
    return names
  }
  return { greeters, readiness, changes, door, answers }
}

t.test('front door - round robin over the ready apiservers, bytes both ways', async (t) => {
  const { door, answers } = await setup(t)
  t.same((await answers(6)).sort(), ['a', 'a', 'b', 'b', 'c', 'c'], 'each of the three serves two of six connections')
  const conversation = await converse('127.0.0.1', door.port)
  t.equal(await conversation.echo('ping'), 'ping', 'what the client sends reaches the apiserver, and its answer comes back')
  conversation.close()
  t.match(door.url, /^https:\/\/127\.0\.0\.1:\d+$/, 'its URL is https on 127.0.0.1 (TLS passes through)')
})

t.test('front door - an apiserver whose /readyz fails gets no new connections', async (t) => {
  const { readiness, changes, door, answers } = await setup(t, { intervalMs: 20 })
  readiness.set('b', false)
  await waitFor(() => changes.some((c) => c.join() === 'a,c'), { what: 'b to be reported not ready' })
  t.same(door.ready().map((b) => b.name), ['a', 'c'], 'a and c are ready')
  t.notOk((await answers(6)).includes('b'), 'b serves none of six connections')
  readiness.set('b', true)
  await waitFor(() => door.ready().length === 3, { what: 'b to be ready again' })
  t.ok((await answers(6)).includes('b'), 'b serves again once ready')
})

t.test('front door - a refused connection goes to the next apiserver at once, and marks the dead one down', async (t) => {
  const { greeters, changes, door, answers } = await setup(t)
  await greeters[0]!.close()
  // The periodic check is a minute away: only the refused connection can tell the door.
  t.same((await answers(4)).sort(), ['b', 'b', 'c', 'c'], 'every connection is served, none by the dead one')
  t.same(door.ready().map((b) => b.name), ['b', 'c'], 'a is no longer ready')
  t.same(changes.at(-1), ['b', 'c'], 'the change was reported')
})

t.test('front door - with no apiserver ready it still tries them all; with none listening it closes the connection', async (t) => {
  const { greeters, readiness, door, answers } = await setup(t, { intervalMs: 20 })
  for (const name of ['a', 'b', 'c']) readiness.set(name, false)
  await waitFor(() => door.ready().length === 0, { what: 'no apiserver ready' })
  t.same((await answers(3)).sort(), ['a', 'b', 'c'], 'not-ready apiservers still get connections when none is ready')
  await Promise.all(greeters.map((g) => g.close()))
  t.equal(await whoAnswers('127.0.0.1', door.port), '', 'the connection is closed without an answer')
})

t.test('front door - close ends the connections it forwards (a long watch does not hold it open)', async (t) => {
  const { door } = await setup(t)
  const open = await converse('127.0.0.1', door.port)
  t.not(open.greeting, '', 'a connection is being forwarded')
  const ended = new Promise<void>((resolve) => open.socket.once('close', () => resolve()))
  await door.close()
  await ended
  t.ok(open.socket.destroyed, 'the client connection was ended by close()')
})
