import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { ContainerExit, ContainerInfo } from '../../../runtime/cri/container-runtime.ts'
import { HollowRuntime } from '../../../runtime/cri/hollow/hollow-runtime.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { container, sandboxConfig } from './hollow-fixtures.ts'

function setup(annotations: Record<string, string> = {}) {
  const clock = new VirtualClock(1_700_000_000_000)
  const runtime = new HollowRuntime({ clock, podCidr: '10.200.0.0/16' })
  const exits: [ContainerInfo, ContainerExit][] = []
  runtime.onExit((info, exit) => exits.push([info, exit]))
  return { clock, runtime, exits, config: sandboxConfig(annotations) }
}

t.test('hollow - a container runs until stopped; stop exits 143 like an unhandled SIGTERM', async (t) => {
  const { clock, runtime, exits, config } = setup()
  const sandbox = await runtime.runPodSandbox(config)
  t.equal(sandbox.podIP, '10.200.0.1')
  const created = await runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 0 })
  t.equal(created.state, 'created')
  t.equal(created.image, 'actorkube/echo:latest')
  const started = await runtime.startContainer(created.id)
  t.equal(started.state, 'running')
  t.equal(started.startedAt, clock.now())
  clock.runUntil(clock.now() + 3_600_000)
  t.equal(exits.length, 0, 'nothing scheduled, nothing exits')
  t.equal(clock.pending, 0, 'no timer for a container that runs forever')
  await runtime.stopContainer(created.id, 30)
  t.equal(exits.length, 1)
  t.match(exits[0]![1], { exitCode: 143, signal: 15, reason: 'Error' })
  t.equal(runtime.listContainers({ podUid: 'uid-1' })[0]!.state, 'exited')
  t.same(runtime.stats().containers, { running: 0, exited: 1 })
})

t.test('hollow - exit-after-ms and exit-code, per pod and per container', async (t) => {
  const { clock, runtime, exits, config } = setup({
    'hollow.actorkube.io/exit-after-ms': '5000',
    'hollow.actorkube.io/exit-code': '3',
    'hollow.actorkube.io/exit-after-ms.quick': '100',
    'hollow.actorkube.io/exit-code.quick': '0',
  })
  const sandbox = await runtime.runPodSandbox(config)
  for (const name of ['main', 'quick']) {
    const c = await runtime.createContainer(sandbox.id, { container: container(name), env: {}, attempt: 0 })
    await runtime.startContainer(c.id)
  }
  const start = clock.now()
  clock.runUntil(start + 100)
  t.same(exits.map(([info, exit]) => [info.name, exit.exitCode, exit.reason]), [['quick', 0, 'Completed']])
  clock.runUntil(start + 5000)
  t.same(exits.map(([info, exit]) => [info.name, exit.exitCode, exit.reason]), [['quick', 0, 'Completed'], ['main', 3, 'Error']])
  t.equal(exits[1]![1].finishedAt, start + 5000)
})

t.test('hollow - init containers complete at once unless told otherwise; actorkube/sleep keeps its meaning', async (t) => {
  const { clock, runtime, exits, config } = setup()
  const sandbox = await runtime.runPodSandbox(config)
  const init = await runtime.createContainer(sandbox.id, { container: container('init'), env: {}, attempt: 0, init: true })
  await runtime.startContainer(init.id)
  const sleep = await runtime.createContainer(sandbox.id, { container: container('sleep', { image: 'actorkube/sleep:1.0', args: ['2', '7'] }), env: {}, attempt: 0 })
  await runtime.startContainer(sleep.id)
  clock.runUntil(clock.now())
  t.same(exits.map(([info, exit]) => [info.name, exit.exitCode]), [['init', 0]])
  clock.runUntil(clock.now() + 2000)
  t.same(exits.map(([info, exit]) => [info.name, exit.exitCode]), [['init', 0], ['sleep', 7]])
})

t.test('hollow - start latency delays startContainer', async (t) => {
  const { clock, runtime, config } = setup({ 'hollow.actorkube.io/start-latency-ms': '250' })
  const sandbox = await runtime.runPodSandbox(config)
  const c = await runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 0 })
  let started: ContainerInfo | undefined
  const starting = runtime.startContainer(c.id).then((info) => (started = info))
  await Promise.resolve()
  t.equal(started, undefined)
  clock.runUntil(clock.now() + 249)
  await Promise.resolve()
  t.equal(started, undefined, 'not before its latency')
  clock.runUntil(clock.now() + 1)
  await starting
  t.equal(started!.state, 'running')
})

t.test('hollow - fail-start makes create throw a CriError with that reason; bad images are InvalidImageName', async (t) => {
  const { runtime, config } = setup({ 'hollow.actorkube.io/fail-start': 'ErrImagePull' })
  const sandbox = await runtime.runPodSandbox(config)
  await t.rejects(runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 0 }), { name: 'CriError', reason: 'ErrImagePull' })
  const plain = await runtime.runPodSandbox(sandboxConfig({}, 'uid-2'))
  await t.rejects(runtime.createContainer(plain.id, { container: container('x', { image: '' }), env: {}, attempt: 0 }), { name: 'CriError', reason: 'InvalidImageName' })
  await t.rejects(runtime.createContainer('nope', { container: container(), env: {}, attempt: 0 }), { name: 'CriError', reason: 'CreateContainerError' })
})

t.test('hollow - fail-probes fails only the named kinds, and only while running', async (t) => {
  const { runtime, config } = setup({ 'hollow.actorkube.io/fail-probes': 'liveness, startup' })
  const sandbox = await runtime.runPodSandbox(config)
  const c = await runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 0 })
  t.equal((await runtime.probe(c.id, {}, 'readiness')).ok, false, 'created, not running')
  await runtime.startContainer(c.id)
  t.equal((await runtime.probe(c.id, {}, 'readiness')).ok, true)
  t.equal((await runtime.probe(c.id, {}, 'liveness')).ok, false)
  t.equal((await runtime.probe(c.id, {}, 'startup')).ok, false)
})

t.test('hollow - simulated memory counts while running; above the limit it is OOMKilled', async (t) => {
  const { clock, runtime, exits, config } = setup({ 'hollow.actorkube.io/memory': '64Mi', 'hollow.actorkube.io/memory.big': '1Gi' })
  const sandbox = await runtime.runPodSandbox(config)
  const small = await runtime.createContainer(sandbox.id, { container: container('small'), env: {}, attempt: 0 })
  await runtime.startContainer(small.id)
  t.equal(runtime.stats().memoryBytes, 64 * 2 ** 20)
  const big = await runtime.createContainer(sandbox.id, { container: container('big', { resources: { limits: { memory: '512Mi' } } }), env: {}, attempt: 0 })
  await runtime.startContainer(big.id)
  clock.runUntil(clock.now())
  t.match(exits.map(([info, exit]) => [info.name, exit]), [['big', { exitCode: 137, reason: 'OOMKilled' }]])
  t.equal(runtime.stats().memoryBytes, 64 * 2 ** 20)
})

t.test('hollow - synthetic logs with tail, timestamps and follow until exit', async (t) => {
  const { clock, runtime, config } = setup({ 'hollow.actorkube.io/exit-after-ms': '1000' })
  const sandbox = await runtime.runPodSandbox(config)
  const c = await runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 2 })
  await runtime.startContainer(c.id)
  let text = ''
  let ended = 0
  runtime.readLogs(c.id, {}, (chunk) => (text += chunk), () => ended++)
  t.match(text, /hollow container app \(attempt 2\) of pod default\/pod-uid-1 started from actorkube\/echo:latest\n/)
  t.equal(text.split('\n').length, 3)
  t.equal(ended, 1)
  let tail = ''
  runtime.readLogs(c.id, { tailLines: 1, timestamps: true }, (chunk) => (tail += chunk), () => {})
  t.match(tail, /^\d{4}-\d\d-\d\dT[\d:.]+Z serving on 10\.200\.0\.1 \(node node-1\)\n$/)
  let followed = ''
  let followEnded = false
  runtime.readLogs(c.id, { follow: true, tailLines: 0 }, (chunk) => (followed += chunk), () => (followEnded = true))
  t.equal(followEnded, false)
  clock.runUntil(clock.now() + 1000)
  t.equal(followed, 'exited with code 0 (Completed)\n')
  t.equal(followEnded, true)
  let cancelled = false
  const c2 = await runtime.createContainer(sandbox.id, { container: container('b'), env: {}, attempt: 0 })
  await runtime.startContainer(c2.id)
  runtime.readLogs(c2.id, { follow: true }, () => {}, () => (cancelled = true)).cancel()
  t.equal(cancelled, true)
  runtime.readLogs('missing', {}, () => {}, (error) => t.match(error, /does not exist/))
})

t.test('hollow - removing a sandbox kills its containers, frees the IP and forgets everything', async (t) => {
  const { clock, runtime, exits, config } = setup({ 'hollow.actorkube.io/exit-after-ms': '1000' })
  const sandbox = await runtime.runPodSandbox(config)
  const c = await runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 0 })
  await runtime.startContainer(c.id)
  await runtime.removePodSandbox(sandbox.id)
  t.match(exits.map(([, exit]) => exit), [{ exitCode: 137, signal: 9 }])
  t.same(runtime.listContainers(), [])
  t.same(runtime.stats(), { runtime: 'hollow', sandboxes: 0, containers: { running: 0, exited: 0 }, memoryBytes: 0 })
  clock.runUntil(clock.now() + 5000)
  t.equal(exits.length, 1, 'the scheduled exit was cancelled')
  t.equal((await runtime.runPodSandbox(sandboxConfig({}, 'uid-9'))).podIP, sandbox.podIP, 'address reused')
})

t.test('hollow - close cancels scheduled exits and unsubscribes listeners', async (t) => {
  const { clock, runtime, exits, config } = setup({ 'hollow.actorkube.io/exit-after-ms': '10' })
  const sandbox = await runtime.runPodSandbox(config)
  const c = await runtime.createContainer(sandbox.id, { container: container(), env: {}, attempt: 0 })
  await runtime.startContainer(c.id)
  await runtime.close()
  clock.runUntil(clock.now() + 100)
  t.equal(exits.length, 0)
  t.equal(runtime.stats().sandboxes, 0)
})

t.test('hollow - pods stay small: under 1.5 KB of heap each', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const runtime = new HollowRuntime({ clock: new VirtualClock(0) })
  const annotations = {}
  const spec = container()
  const configs = Array.from({ length: 25_000 }, (_, i) => ({ ...sandboxConfig(annotations, `u${i}`), nodeName: `n${i % 100}` }))
  let next = 0
  const add = async (n: number): Promise<void> => {
    for (const end = next + n; next < end; next++) {
      const sandbox = await runtime.runPodSandbox(configs[next]!)
      const c = await runtime.createContainer(sandbox.id, { container: spec, env: {}, attempt: 0 })
      await runtime.startContainer(c.id)
    }
  }
  // Measured between two points so one-off costs (maps growing, code compiled) stay out.
  await add(5_000)
  gc()
  const before = process.memoryUsage().heapUsed
  await add(20_000)
  gc()
  const perPod = (process.memoryUsage().heapUsed - before) / 20_000
  t.ok(perPod < 1536, `about ${Math.round(perPod)} bytes a pod`)
  t.equal(runtime.stats().containers.running, 25_000)
})
