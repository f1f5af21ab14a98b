/** `actorkube host --config FILE`: one actor host process on a real NATS connection. */
import { readFile } from 'node:fs/promises'
import { systemClock } from '../clock.ts'
import { parseHostConfigYaml } from '../host/config.ts'
import { Host } from '../host/host.ts'
import { startMetricsServer } from '../http/metrics-server.ts'
import { createLogger } from '../log.ts'
import { PrometheusHostMetrics } from '../metrics.ts'
import { hostRandom } from '../random.ts'
import { setupTracing } from '../telemetry.ts'
import { NatsTransport } from '../transport/nats-transport.ts'

export async function runHost(configPath: string, overrides: { nats?: string[] } = {}): Promise<void> {
  const config = parseHostConfigYaml(await readFile(configPath, 'utf8'), configPath)
  const servers = overrides.nats?.length ? overrides.nats : config.nats.servers
  const log = createLogger({ base: { cluster: config.cluster, host: config.host }, level: process.env.AK_LOG_LEVEL ?? 'info' })
  const tracing = setupTracing({ env: process.env, defaultServiceName: `actorkube-${config.host}`, attributes: { 'actorkube.host': config.host } })
  const metrics = new PrometheusHostMetrics({ cluster: config.cluster, host: config.host })
  const transport = await NatsTransport.connect({
    servers,
    name: config.host,
    onStatus: (status) => log.info({ status: status.type, server: status.data }, 'nats connection status'),
  })
  const host = new Host(config, { transport, clock: systemClock, random: hostRandom(config.seed), log, metrics, tracing, killProcess: () => process.kill(process.pid, 'SIGKILL') })
  // Subscriptions must have reached the server before the host calls itself ready.
  await transport.flush()
  const metricsServer = config.metricsPort === undefined ? undefined : await startMetricsServer(metrics.registry, config.metricsPort)
  log.info({ server: transport.server, metricsPort: metricsServer?.port, tracing: tracing.enabled, runtime: runtimeName() }, 'host ready')

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    await host.stop()
    await transport.close()
    await tracing.shutdown()
    await metricsServer?.close()
    log.flush()
    process.exit(0)
  }
  // A bug in an async edge must not take every actor on the host down with it: log it loudly.
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, 'unhandled rejection in host runtime')
  })
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
}

function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno
  return deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`
}
