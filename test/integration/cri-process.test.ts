import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer, get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Container } from '../../actors/kube/objects.ts'
import type { ContainerExit, ContainerInfo, LogOptions, Sandbox } from '../../runtime/cri/container-runtime.ts'
import { ProcessRuntime, type ProcessRuntimeOptions } from '../../runtime/cri/process/process-runtime.ts'
import { podRuntimeHarness, testPod } from '../unit/cri/pod-runtime-harness.ts'

type Teardown = { teardown(fn: () => unknown): void }

/** A /16 of its own per runtime, so a run beside another never shares an address and port. */
let nextNet = 2 + Math.floor(Math.random() * 200)

function processRuntime(t: Teardown, options: Partial<ProcessRuntimeOptions> = {}): { runtime: ProcessRuntime; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ak-cri-'))
  const runtime = new ProcessRuntime({ dir, podCidr: `127.${nextNet++ % 250}.0.0/16`, ...options })
  t.teardown(async () => {
    await runtime.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { runtime, dir }
}

async function sandbox(runtime: ProcessRuntime, name: string): Promise<Sandbox> {
  return runtime.runPodSandbox({ uid: `uid-${name}`, name, namespace: 'demo', nodeName: 'node-a', hostIP: '10.0.0.7', labels: {}, annotations: {} })
}

async function run(runtime: ProcessRuntime, sandboxId: string, container: Container, env: Record<string, string> = {}): Promise<{ info: ContainerInfo; exit: Promise<ContainerExit> }> {
  const created = await runtime.createContainer(sandboxId, { container, env, attempt: 0 })
  const exit = new Promise<ContainerExit>((resolve) => {
    const off = runtime.onExit((c, e) => {
      if (c.id !== created.id) return
      off()
      resolve(e)
    })
  })
  return { info: await runtime.startContainer(created.id), exit }
}

function logs(runtime: ProcessRuntime, id: string, options: LogOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    runtime.readLogs(id, options, (chunk) => (text += chunk), (error) => (error ? reject(error) : resolve(text)))
  })
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

function httpGet(host: string, port: number, path: string, accept = '*/*'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host, port, path, headers: { accept } }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

const listening = (runtime: ProcessRuntime, id: string): Promise<boolean> => logs(runtime, id).then((text) => text.includes('listening on'))

t.test('process - the echo image answers at its own pod address with its pod name; two pods share a port', async (t) => {
  const { runtime } = processRuntime(t)
  const echo: Container = { name: 'echo', image: 'actorkube/echo:1.0', ports: [{ containerPort: 8080 }] }
  const a = await sandbox(runtime, 'echo-a')
  const b = await sandbox(runtime, 'echo-b')
  t.not(a.podIP, b.podIP)
  const ca = await run(runtime, a.id, echo)
  const cb = await run(runtime, b.id, echo)
  t.equal(ca.info.image, 'actorkube/echo:1.0')
  t.match(ca.info.imageID, /^actorkube:\/\/actorkube\/echo@sha256:/)
  t.ok(ca.info.pid! > 0)
  await until('both listening', async () => (await listening(runtime, ca.info.id)) && (await listening(runtime, cb.info.id)))
  const answer = await httpGet(a.podIP, 8080, '/hello?x=1')
  t.equal(answer.status, 200)
  t.match(JSON.parse(answer.body), { pod: 'echo-a', namespace: 'demo', node: 'node-a', podIP: a.podIP, method: 'GET', path: '/hello', headers: { host: `${a.podIP}:8080` } })
  t.match((await httpGet(b.podIP, 8080, '/', 'text/plain')).body, /^echo from echo-b \(demo\) at 127\.[\d.]+:8080 on node-a: GET \/\n$/)
  await until('request logged', async () => (await logs(runtime, ca.info.id)).includes('GET /hello?x=1'))
  await runtime.stopContainer(ca.info.id, 10)
  t.match(await ca.exit, { exitCode: 0, reason: 'Completed' }, 'SIGTERM handled gracefully')
  t.match(await logs(runtime, ca.info.id), /SIGTERM/)
})

t.test("process - a pod is not given an address something else on the machine listens on (another cluster's pod)", async (t) => {
  const net = nextNet++ % 250
  const { runtime } = processRuntime(t, { podCidr: `127.${net}.0.0/16` })
  // Another actorkube cluster on this machine hands out the same range: its first echo pod holds .0.1:8080.
  const other = createServer()
  await new Promise<void>((resolve) => other.listen(8080, `127.${net}.0.1`, resolve))
  t.teardown(() => new Promise<void>((resolve) => other.close(() => resolve())))
  const s = await sandbox(runtime, 'echo-beside')
  t.equal(s.podIP, `127.${net}.0.2`, 'the held address is passed over')
  const c = await run(runtime, s.id, { name: 'echo', image: 'actorkube/echo', ports: [{ containerPort: 8080 }] })
  await until('listening', () => listening(runtime, c.info.id))
  t.match(JSON.parse((await httpGet(s.podIP, 8080, '/')).body), { pod: 'echo-beside', podIP: s.podIP }, 'its echo binds 8080 and answers instead of dying with EADDRINUSE')
})

t.test('process - the sleep image exits with args[1] or $EXIT_CODE', async (t) => {
  const { runtime } = processRuntime(t)
  const s = await sandbox(runtime, 'sleeper')
  const byArg = await run(runtime, s.id, { name: 'a', image: 'actorkube/sleep', args: ['0.1', '3'] })
  const byEnv = await run(runtime, s.id, { name: 'b', image: 'actorkube/sleep', args: ['0'] }, { EXIT_CODE: '4' })
  const ok = await run(runtime, s.id, { name: 'c', image: 'actorkube/sleep', args: ['0'] })
  t.match(await byArg.exit, { exitCode: 3, reason: 'Error' })
  t.match(await byEnv.exit, { exitCode: 4, reason: 'Error' })
  t.match(await ok.exit, { exitCode: 0, reason: 'Completed' })
  t.notOk((await ok.exit).signal)
  t.match(await logs(runtime, byArg.info.id), /sleeping 0\.1 s\nslept 0\.1 s, exiting with code 3\n/)
  const info = runtime.listContainers({ podUid: 'uid-sleeper', name: 'a' })[0]!
  t.match(info, { state: 'exited', exitCode: 3, reason: 'Error' })
  t.ok(info.finishedAt! >= info.startedAt!)
})

t.test('process - stop: SIGTERM to the whole group, SIGKILL after the grace period', async (t) => {
  const { runtime } = processRuntime(t)
  const s = await sandbox(runtime, 'stubborn')
  const stubborn = await run(runtime, s.id, { name: 'stubborn', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; sleep 100 & echo child $!; wait'] })
  let child = 0
  await until('child started', async () => {
    child = Number(/child (\d+)/.exec(await logs(runtime, stubborn.info.id))?.[1] ?? 0)
    return child > 0
  })
  const started = Date.now()
  await runtime.stopContainer(stubborn.info.id, 1)
  const took = Date.now() - started
  t.ok(took >= 900 && took < 5000, `SIGKILL came after the grace period (${took} ms)`)
  t.match(await stubborn.exit, { exitCode: 137, signal: 9, reason: 'Error' })
  await until('the container\'s child is gone too', () => gone(child))

  const plain = await run(runtime, s.id, { name: 'plain', image: 'busybox', command: ['sleep', '100'] })
  const t0 = Date.now()
  await runtime.stopContainer(plain.info.id, 30)
  t.ok(Date.now() - t0 < 3000, 'no wait for a process that SIGTERM ends')
  t.match(await plain.exit, { exitCode: 143, signal: 15 })
})

t.test('process - env: pod identity, address, ports, user env on top, working directory', async (t) => {
  const { runtime, dir } = processRuntime(t)
  const s = await sandbox(runtime, 'envy')
  const c = await run(
    runtime,
    s.id,
    { name: 'env', image: 'alpine:3', command: ['sh', '-c'], args: ['env; pwd'], ports: [{ containerPort: 9000 }, { containerPort: 9001 }] },
    { GREETING: 'hi', PORT: '7000' },
  )
  await c.exit
  const text = await logs(runtime, c.info.id)
  for (const line of [`POD_IP=${s.podIP}`, 'POD_NAME=envy', 'POD_NAMESPACE=demo', 'POD_UID=uid-envy', 'NODE_NAME=node-a', 'HOST_IP=10.0.0.7', 'HOSTNAME=envy', 'ACTORKUBE_PORT_9000=9000', 'ACTORKUBE_PORT_9001=9001', 'GREETING=hi', 'PORT=7000']) {
    t.ok(text.split('\n').includes(line), line)
  }
  t.ok(text.split('\n').includes(join(dir, 'pods', 'demo_envy_uid-envy')), 'runs in the pod directory by default')
  const wd = await run(runtime, s.id, { name: 'wd', image: 'busybox', command: ['pwd'], workingDir: '/tmp', ports: [{ containerPort: 9000 }] })
  await wd.exit
  t.equal(await logs(runtime, wd.info.id), '/tmp\n')
  const port = await run(runtime, s.id, { name: 'port', image: 'busybox', command: ['sh', '-c', 'echo $PORT'], ports: [{ containerPort: 9000 }] })
  await port.exit
  t.equal(await logs(runtime, port.info.id), '9000\n', 'PORT is the first containerPort')
})

t.test('process - images: built-in, host command, or ErrImagePull; failures to run are RunContainerError', async (t) => {
  const { runtime } = processRuntime(t)
  const s = await sandbox(runtime, 'images')
  await t.rejects(runtime.createContainer(s.id, { container: { name: 'x', image: 'nginx:1.27' }, env: {}, attempt: 0 }), {
    name: 'CriError',
    reason: 'ErrImagePull',
    message: 'image "nginx:1.27" is not a built-in image (actorkube/echo, actorkube/sleep) and the container has no command to run on the host',
  })
  await t.rejects(runtime.createContainer(s.id, { container: { name: 'x', image: '' }, env: {}, attempt: 0 }), { name: 'CriError', reason: 'InvalidImageName' })
  const missing = await runtime.createContainer(s.id, { container: { name: 'y', image: 'busybox', command: ['no-such-program-here'] }, env: {}, attempt: 0 })
  await t.rejects(runtime.startContainer(missing.id), { name: 'CriError', reason: 'RunContainerError', message: /ENOENT/ })
  const nul = await runtime.createContainer(s.id, { container: { name: 'n', image: 'busybox', command: ['echo', 'a\u0000b'] }, env: {}, attempt: 0 })
  await t.rejects(runtime.startContainer(nul.id), { name: 'CriError', reason: 'RunContainerError' })
  const badDir = await runtime.createContainer(s.id, { container: { name: 'z', image: 'busybox', command: ['true'], workingDir: '/no/such/dir' }, env: {}, attempt: 0 })
  await t.rejects(runtime.startContainer(badDir.id), { name: 'CriError', reason: 'RunContainerError' })
})

t.test('process - logs: tail, timestamps, follow until the exit, rotation', async (t) => {
  const { runtime, dir } = processRuntime(t, { logRotation: { maxBytes: 4000, maxFiles: 3 } })
  const s = await sandbox(runtime, 'talker')
  const c = await run(runtime, s.id, { name: 'talk', image: 'busybox', command: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done; echo oops; sleep 0.5; echo late'] })
  await until('the first burst', async () => (await logs(runtime, c.info.id)).includes('oops'))
  t.equal(await logs(runtime, c.info.id, { tailLines: 2 }), 'line 299\noops\n')
  t.match(await logs(runtime, c.info.id, { tailLines: 1, timestamps: true }), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z oops\n$/)
  t.equal(await logs(runtime, c.info.id, { sinceSeconds: 3600, tailLines: 1 }), 'oops\n')
  const followed = await logs(runtime, c.info.id, { follow: true, tailLines: 1 })
  t.equal(followed, 'oops\nlate\n', 'follow ends when the container exits')
  await c.exit
  const all = (await logs(runtime, c.info.id)).split('\n')
  t.equal(all.at(-2), 'late')
  t.notOk(all.includes('line 0'), 'the oldest lines were rotated away')
  const files = readdirSync(join(dir, 'pods', 'demo_talker_uid-talker', 'talk')).sort()
  t.same(files, ['0.log', '0.log.1', '0.log.2'])

  const stderr = await run(runtime, s.id, { name: 'stderr', image: 'busybox', command: ['sh', '-c', 'echo to-stderr >&2; printf unfinished'] })
  await stderr.exit
  t.equal(await logs(runtime, stderr.info.id), 'to-stderr\nunfinished\n', 'stderr and an unfinished last line are kept')

  const forever = await run(runtime, s.id, { name: 'forever', image: 'actorkube/sleep' })
  let ended = false
  const stream = runtime.readLogs(forever.info.id, { follow: true }, () => {}, () => (ended = true))
  stream.cancel()
  t.equal(ended, true, 'cancel ends a follow')
})

t.test('process - probes: httpGet (2xx/3xx ok), tcpSocket, exec with the container env, timeouts', async (t) => {
  const { runtime } = processRuntime(t)
  const s = await sandbox(runtime, 'probed')
  const server = `require('http').createServer((q, s) => { s.statusCode = q.url === '/bad' ? 500 : q.url === '/moved' ? 302 : q.url === '/slow' ? 200 : 204; if (q.url === '/slow') setTimeout(() => s.end(), 3000); else s.end() }).listen(+process.env.PORT, process.env.POD_IP, () => console.log('listening on', process.env.PORT))`
  const c = await run(runtime, s.id, { name: 'web', image: 'node', command: [process.execPath, '-e', server], ports: [{ name: 'http', containerPort: 8081 }] })
  await until('listening', () => listening(runtime, c.info.id))
  const probe = runtime.probe.bind(runtime, c.info.id)
  t.match(await probe({ httpGet: { path: '/healthz', port: 8081 } }), { ok: true })
  t.match(await probe({ httpGet: { path: '/moved', port: 'http' } }), { ok: true })
  t.match(await probe({ httpGet: { path: '/bad', port: 8081 } }), { ok: false, message: /500/ })
  t.match(await probe({ httpGet: { path: '/slow', port: 8081 }, timeoutSeconds: 1 }), { ok: false, message: /timeout/ })
  t.match(await probe({ httpGet: { path: '/', port: 'nope' } }), { ok: false, message: /unknown port/ })
  t.match(await probe({ tcpSocket: { port: 8081 } }), { ok: true })
  t.match(await probe({ tcpSocket: { port: 8089 } }), { ok: false, message: /ECONNREFUSED/ })
  t.match(await probe({ exec: { command: ['sh', '-c', 'test "$POD_NAME" = probed && test "$PORT" = 8081'] } }), { ok: true })
  t.match(await probe({ exec: { command: ['sh', '-c', 'echo not ready; exit 1'] } }), { ok: false, message: 'not ready' })
  const t0 = Date.now()
  t.match(await probe({ exec: { command: ['sleep', '10'] }, timeoutSeconds: 1 }), { ok: false, message: /timed out/ })
  t.ok(Date.now() - t0 < 4000)
  t.match(await probe({}), { ok: false })
  await runtime.stopContainer(c.info.id, 1)
  t.match(await probe({ tcpSocket: { port: 8081 } }), { ok: false, message: /not running/ })
})

t.test('process - memory watchdog: over the limit is OOMKilled (137)', async (t) => {
  const { runtime } = processRuntime(t, { memoryCheckMs: 100 })
  const s = await sandbox(runtime, 'hog')
  const hog = `const a = []; setInterval(() => a.push(Buffer.alloc(8e6, 1)), 20)`
  const c = await run(runtime, s.id, { name: 'hog', image: 'node', command: [process.execPath, '-e', hog], resources: { limits: { memory: '150Mi' } } })
  const modest = await run(runtime, s.id, { name: 'modest', image: 'actorkube/sleep', resources: { limits: { memory: '150Mi' } } })
  t.match(await c.exit, { exitCode: 137, signal: 9, reason: 'OOMKilled' })
  t.equal(runtime.listContainers({ name: 'modest' })[0]!.state, 'running', 'a container under its limit keeps running')
  t.ok(runtime.stats().memoryBytes > 10 * 2 ** 20, 'stats count the resident memory of running containers')
  await runtime.stopContainer(modest.info.id, 1)
})

t.test('process - removing the sandbox kills its containers and deletes its logs', async (t) => {
  const { runtime, dir } = processRuntime(t)
  const s = await sandbox(runtime, 'gone')
  const c = await run(runtime, s.id, { name: 'c', image: 'actorkube/sleep' })
  const podDir = join(dir, 'pods', 'demo_gone_uid-gone')
  t.ok(existsSync(podDir))
  await runtime.removePodSandbox(s.id)
  t.match(await c.exit, { exitCode: 137 })
  t.notOk(existsSync(podDir))
  t.same(runtime.listContainers(), [])
  t.match(runtime.stats(), { sandboxes: 0, containers: { running: 0, exited: 0 } })
})

t.test('process - a runtime on the same dir kills the containers a dead one left running', async (t) => {
  const { runtime: dead, dir } = processRuntime(t)
  const s = await sandbox(dead, 'left')
  const c = await run(dead, s.id, { name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 100 & wait'] })
  const pid = c.info.pid!
  t.ok(existsSync(join(dir, 'groups', String(pid))))
  // Not closed, as if the host had been SIGKILLed.
  const next = new ProcessRuntime({ dir, podCidr: '127.254.0.0/16' })
  t.teardown(() => next.close())
  t.equal(next.orphansKilled, 1)
  t.match(await c.exit, { exitCode: 137 })
  t.ok(gone(pid))
  t.notOk(existsSync(join(dir, 'groups', String(pid))))
  const third = new ProcessRuntime({ dir, podCidr: '127.253.0.0/16' })
  t.teardown(() => third.close())
  t.equal(third.orphansKilled, 0, 'nothing twice')
})

t.test('process - the pod runtime child drives real processes with cri.* commands', async (t) => {
  const { runtime } = processRuntime(t)
  const echo: Container = { name: 'echo', image: 'actorkube/echo', ports: [{ containerPort: 8080 }] }
  const pod = podRuntimeHarness(t, runtime, testPod('adapter', [echo]))
  const podIP = await pod.runSandbox()
  pod.start(echo, 0, { EXTRA: '1' })
  const started = await pod.next('cri.containerStarted')
  t.match(started, { name: 'echo', containerID: /^process:\/\//, image: 'actorkube/echo:latest', startedAt: /^\d{4}-.*Z$/ })
  const probe = { httpGet: { path: '/', port: 8080 } }
  for (let seq = 1; ; seq++) {
    pod.send({ type: 'cri.probe', name: 'echo', kind: 'readiness', probe, seq })
    const result = await pod.next('cri.probeResult')
    t.equal(result.seq, seq)
    if (result.ok) break
    if (seq > 100) throw new Error('echo never became ready')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.match(JSON.parse((await httpGet(podIP, 8080, '/')).body), { pod: 'adapter', podIP })
  pod.start({ name: 'nope', image: 'nginx' })
  t.match(await pod.next('cri.containerFailed'), { name: 'nope', reason: 'ErrImagePull' })
  pod.send({ type: 'cri.stopContainer', name: 'echo', graceSeconds: 5 })
  t.match(await pod.next('cri.containerExited'), { name: 'echo', containerID: started.containerID, exitCode: 0, reason: 'Completed' })
  pod.start({ name: 'crash', image: 'actorkube/sleep', args: ['0', '5'] })
  await pod.next('cri.containerStarted', (r) => r.name === 'crash')
  t.match(await pod.next('cri.containerExited'), { name: 'crash', exitCode: 5, reason: 'Error' })
  pod.send({ type: 'cri.removeSandbox' })
  await pod.next('cri.sandboxRemoved')
  t.same(runtime.listContainers(), [])
})

t.test('process - a stopped pod runtime child kills what it ran', async (t) => {
  const { runtime } = processRuntime(t)
  const pod = podRuntimeHarness(t, runtime, testPod('orphan', []))
  await pod.runSandbox()
  pod.start({ name: 's', image: 'actorkube/sleep' })
  await pod.next('cri.containerStarted')
  const pid = runtime.listContainers()[0]!.pid!
  pod.stop()
  await until('the process is gone', () => gone(pid))
  await until('the sandbox is gone', () => runtime.stats().sandboxes === 0)
})
