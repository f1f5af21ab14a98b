/**
 * `actorkube up`: a whole local cluster in the foreground: a NATS cluster of `--nats-servers`
 * nats-servers (unless --nats names one; every host connects to all of them), the master and
 * worker hosts as child processes (restarted with backoff when they die), the front door (one
 * apiserver address balancing over the ready apiservers), and a status line while it runs.
 * Prints `actorkube ready ...` once every host is up and heard from.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { BEAT_TOPIC } from '../../actors/membership/member.machine.ts'
import { backoffDelay, DEFAULT_BACKOFF } from '../../actors/kit/supervisor.ts'
import { systemClock } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import { NatsCluster } from '../nats-cluster.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import { spawnHost, type HostProcess, type HostRuntime } from '../process/host-process.ts'
import { subjectFor } from '../subjects.ts'
import { NatsTransport } from '../transport/nats-transport.ts'
import { Requester } from '../transport/requester.ts'
import { StoreClient } from '../store/store-client.ts'
import { applyDemo } from './demo-workload.ts'
import { apiserverReady } from './apiserver-readyz.ts'
import { FrontDoor, type Backend } from './front-door.ts'
import { ApiserverEndpointsPublisher } from './kubernetes-service.ts'
import { serveNatsControl } from './nats-control.ts'
import { serveHostControl } from './host-control.ts'
import { ensureApiSecurity } from '../apiserver/security/api-security.ts'
import { ensureSecretsEncryption } from '../apiserver/secret-encryption.ts'
import { writeKubeconfig } from '../apiserver/security/kubeconfig.ts'
import { hostConfigYaml, planHosts, securityDir, storeVoters, type ClusterShape, type HostPlan } from '../cluster/local-cluster.ts'

export interface UpOptions {
  readonly stateDir: string
  readonly nats?: string
  /** nats-servers to start (joined by routes) when `nats` is not given; 1: a single server. */
  readonly natsServers?: number
  readonly shape: ClusterShape
  readonly runtime: HostRuntime
  readonly readyTimeoutMs: number
  readonly statusIntervalMs: number
  /** The front door's port (master-N's apiserver takes apiPort + N); 0: free ports. */
  readonly apiPort: number
  /** Apply examples/echo.yaml once ready. */
  readonly demo?: boolean
  /** Write an EncryptionConfiguration (a fresh AES-GCM key for Secrets) into the state dir if there is none. */
  readonly encryptSecrets?: boolean
}

interface RunningHost {
  readonly plan: HostPlan
  readonly configPath: string
  process: HostProcess | undefined
  failures: number
  metricsPort: number | undefined
  /** The apiserver's port, once it logged that it listens (masters). */
  apiPort: number | undefined
}

export async function runUp(options: UpOptions): Promise<void> {
  const stateDir = resolve(options.stateDir)
  const logsDir = join(stateDir, 'logs')
  const hostsDir = join(stateDir, 'hosts')
  for (const dir of [stateDir, logsDir, hostsDir]) mkdirSync(dir, { recursive: true })
  const say = (line: string) => process.stdout.write(`${line}\n`)

  const natsCluster = options.nats
    ? undefined
    : await NatsCluster.start({ dir: join(stateDir, 'nats'), servers: options.natsServers ?? 3, name: options.shape.cluster, onLog: (i, line) => appendFileSync(join(logsDir, `nats-${i}.log`), `${line}\n`) })
  const natsUrls = natsCluster?.urls ?? [options.nats!]
  const natsUrl = natsUrls.join(',')
  const started = natsUrls.length === 1 ? 'started by actorkube' : `cluster of ${natsUrls.length} started by actorkube`
  say(`nats: ${natsUrls.join(' ')}${natsCluster ? ` (${started})` : ''}`)

  // Before any master starts: they share this CA and token file (creating them concurrently would race).
  const security = await ensureApiSecurity(securityDir(stateDir))
  if (options.encryptSecrets) say(`secrets encrypted at rest: ${ensureSecretsEncryption(securityDir(stateDir))}`)
  const plans = planHosts(options.shape, natsUrls, stateDir, options.apiPort === 0 ? 0 : options.apiPort + 1)
  const voters = storeVoters(options.shape)
  // Lets other commands (chaos, store clients) find this cluster without flags.
  const clusterInfo = { cluster: options.shape.cluster, nats: natsUrls[0], natsServers: natsUrls, hosts: plans.map((p) => p.host), store: voters }
  writeFileSync(join(stateDir, 'cluster.json'), `${JSON.stringify(clusterInfo, null, 2)}\n`)
  const hosts: RunningHost[] = plans.map((plan) => {
    const configPath = join(hostsDir, `${plan.host}.yaml`)
    writeFileSync(configPath, hostConfigYaml(plan))
    return { plan, configPath, process: undefined, failures: 0, metricsPort: undefined, apiPort: undefined }
  })

  const watcher = await NatsTransport.connect({ servers: natsUrls, name: 'actorkube-up' })
  if (natsCluster) serveNatsControl(watcher, options.shape.cluster, natsCluster)
  // SIGSTOP / SIGCONT / SIGTERM of a host for chaos experiments, leased (host-control.ts).
  const livePid = (h: RunningHost | undefined) => (h?.process?.child.exitCode === null && h.process.child.signalCode === null ? h.process.child.pid : undefined)
  const hostControl = serveHostControl({ transport: watcher, cluster: options.shape.cluster, clock: systemClock, pidOf: (name) => livePid(hosts.find((h) => h.plan.host === name)), signal: (pid, signal) => process.kill(pid, signal), metricsTargets: () => hosts.flatMap((h) => (h.metricsPort !== undefined && livePid(h) !== undefined ? [{ host: h.plan.host, url: `http://127.0.0.1:${h.metricsPort}/metrics` }] : [])) })
  const requester = new Requester(watcher, systemClock)
  const store = new StoreClient({ transport: watcher, clock: systemClock, cluster: options.shape.cluster, replicas: voters, requestTimeoutMs: 500 })
  const heard = new Set<string>()
  watcher.subscribe(subjectFor(options.shape.cluster, BEAT_TOPIC), (message) => {
    const beat = decodeEvent(message.data)
    if (!(beat instanceof DecodeFailure) && typeof beat.host === 'string') heard.add(beat.host)
  })

  let stopping = false
  const endpoints = new ApiserverEndpointsPublisher(new ApiClient({ transport: watcher, cluster: options.shape.cluster, apiservers: voters, timeoutMs: 5_000 }), {
    retryMs: 1_000,
    onError: (error) => appendFileSync(join(logsDir, 'up.log'), `kubernetes endpoints not written: ${error instanceof Error ? error.message : String(error)}\n`),
  })
  // Listening before any host starts: a port in use fails up at once, not after the whole start.
  const admin = security.tokens.admin
  const masters = hosts.filter((h) => h.plan.role === 'master')
  const backends = (): Backend[] => masters.flatMap((h) => (h.apiPort !== undefined ? [{ name: h.plan.host, port: h.apiPort }] : []))
  let frontDoor: FrontDoor | undefined
  if (admin !== undefined) {
    const probe = { caPem: security.pki.caCertPem, token: admin.token, timeoutMs: 1_000 }
    try {
      frontDoor = await FrontDoor.start({ port: options.apiPort, backends, ready: (b) => apiserverReady(b.port, probe), intervalMs: 1_000, onChange: (ready) => endpoints.update(ready) })
    } catch (error) {
      say(`actorkube failed: the front door cannot listen on 127.0.0.1:${options.apiPort}: ${error instanceof Error ? error.message : String(error)} (pick another --api-port)`)
      await watcher.close().catch(() => {})
      await natsCluster?.stop()
      process.exit(1)
    }
  }
  const launch = (host: RunningHost) => {
    const logPath = join(logsDir, `${host.plan.host}.log`)
    const proc = spawnHost(host.configPath, {
      runtime: options.runtime,
      onLine: (line) => {
        appendFileSync(logPath, `${line}\n`)
        if (line.includes('"apiserver listening"')) host.apiPort = (JSON.parse(line) as { port: number }).port
      },
    })
    host.process = proc
    const startedAt = Date.now()
    void proc.ready.then((record) => {
      host.metricsPort = typeof record.metricsPort === 'number' ? record.metricsPort : undefined
    }, () => {})
    void proc.exited.then((code) => {
      host.metricsPort = undefined
      if (stopping) return
      // As the supervisor does: a host that ran stableMs starts its backoff over. The count only
      // grew, so the tenth kill of a host in one `up` (chaos experiments repeat) waited 30 s.
      if (Date.now() - startedAt >= DEFAULT_BACKOFF.stableMs) host.failures = 0
      host.failures++
      const delay = backoffDelay(DEFAULT_BACKOFF, host.failures)
      const how = proc.child.signalCode ? `killed by ${proc.child.signalCode}` : `code ${code}`
      say(`host ${host.plan.host} exited (${how}); restarting in ${delay} ms (see ${logPath})`)
      setTimeout(() => {
        if (!stopping) launch(host)
      }, delay)
    })
  }
  for (const host of hosts) launch(host)

  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    say(`${signal}: stopping ${hosts.length} hosts`)
    endpoints.close()
    hostControl.close()
    await frontDoor?.close()
    await Promise.all(hosts.map((h) => h.process?.stop('SIGTERM')))
    requester.close()
    await store.close()
    // On Ctrl-C the terminal signals nats-server too, so the connection may already be gone.
    await watcher.close().catch(() => {})
    await natsCluster?.stop()
    say('actorkube stopped')
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))

  /** The replica that says it leads, with its revision (one status request to each). */
  const storeLeader = async (): Promise<{ id: string; revision: number } | undefined> => {
    const replies = await Promise.all(voters.map((id) => store.status(id).catch(() => undefined)))
    const leader = replies.find((r) => r?.role === 'leader')
    return leader && { id: leader.id, revision: leader.revision }
  }

  const deadline = Date.now() + options.readyTimeoutMs
  let leader: { id: string; revision: number } | undefined
  const serving = (h: RunningHost) => h.plan.role !== 'master' || h.apiPort !== undefined
  // Ready means kubectl works through the front door, so every apiserver answers /readyz first.
  const notReady = async () => {
    if (!frontDoor) return []
    await frontDoor.refresh()
    const ready = new Set(frontDoor.ready().map((b) => b.name))
    return masters.filter((h) => !ready.has(h.plan.host)).map((h) => h.plan.host)
  }
  let unready: string[] = []
  while (
    !hosts.every((h) => h.metricsPort !== undefined && heard.has(h.plan.host) && serving(h)) ||
    (leader = await storeLeader()) === undefined ||
    (unready = await notReady()).length > 0
  ) {
    if (Date.now() > deadline) {
      const missing = hosts.filter((h) => !heard.has(h.plan.host)).map((h) => h.plan.host)
      const silentApi = hosts.filter((h) => !serving(h)).map((h) => h.plan.host)
      const what =
        missing.length > 0 ? `hosts not up within ${options.readyTimeoutMs} ms: ${missing.join(', ')}`
        : silentApi.length > 0 ? `apiservers not serving within ${options.readyTimeoutMs} ms: ${silentApi.join(', ')}`
        : leader === undefined ? `no store leader within ${options.readyTimeoutMs} ms`
        : `apiservers not ready (/readyz) within ${options.readyTimeoutMs} ms: ${unready.join(', ')}`
      say(`actorkube failed: ${what} (logs in ${logsDir})`)
      await shutdown('timeout')
      return
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const kubeconfigPath = join(stateDir, 'kubeconfig')
  if (frontDoor && admin !== undefined) {
    endpoints.update(frontDoor.ready())
    // The default context goes through the front door; one context per master reaches it directly.
    const alternates = backends().map((b) => ({ name: `actorkube-${b.name}`, server: `https://127.0.0.1:${b.port}` }))
    await writeKubeconfig(kubeconfigPath, { server: frontDoor.url, caPem: security.pki.caCertPem, token: admin.token, alternates })
  }
  const apis = hosts.filter((h) => h.apiPort !== undefined).map((h) => `https://127.0.0.1:${h.apiPort}`)
  say(
    `actorkube ready: cluster ${options.shape.cluster}, nats ${natsUrl}, store leader ${leader.id}, api ${frontDoor?.url ?? '-'} (front door), apiservers ${apis.join(' ')}, kubeconfig ${kubeconfigPath}, hosts ${hosts.map((h) => `${h.plan.host}(metrics :${h.metricsPort})`).join(' ')}, state ${stateDir}, logs ${logsDir}`,
  )

  if (options.demo) {
    try {
      const done = await applyDemo(watcher, options.shape.cluster, voters)
      say(`demo: ${done.join(', ')} (examples/echo.yaml); try: curl http://127.0.0.1:30080/`)
    } catch (error) {
      say(`demo: could not apply examples/echo.yaml: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  // Liveness: ping every host's echo actor over NATS and report who answers, and how fast.
  const status = async () => {
    const results = await Promise.all(
      hosts.map(async (h) => {
        const started = performance.now()
        try {
          await requester.request(subjectFor(options.shape.cluster, { component: 'echo', instance: h.plan.host }), encodeEvent({ type: 'echo.ping', seq: 0 }), { timeoutMs: 1000 })
          return { host: h.plan.host, ms: performance.now() - started }
        } catch {
          return { host: h.plan.host, ms: undefined }
        }
      }),
    )
    const up = results.filter((r) => r.ms !== undefined)
    const down = results.filter((r) => r.ms === undefined).map((r) => r.host)
    const rtts = up.map((r) => r.ms!).sort((a, b) => a - b)
    const median = rtts.length ? rtts[Math.floor(rtts.length / 2)]!.toFixed(2) : '-'
    const current = await storeLeader()
    const storeText = current ? `store leader ${current.id} at revision ${current.revision}` : 'store: no leader'
    const natsDown = natsCluster?.status().filter((s) => !s.running).map((s) => `nats-${s.index}`) ?? []
    const natsText = natsDown.length ? `, nats-servers down: ${natsDown.join(', ')}` : ''
    say(`status: ${up.length}/${hosts.length} hosts answering, echo round trip median ${median} ms, ${storeText}${down.length ? `, silent: ${down.join(', ')}` : ''}${natsText}`)
  }
  if (options.statusIntervalMs > 0) {
    const tick = () => {
      if (stopping) return
      void status().finally(() => setTimeout(tick, options.statusIntervalMs))
    }
    setTimeout(tick, options.statusIntervalMs)
  }
}
