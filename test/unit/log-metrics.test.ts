import t from 'tap'
import { Writable } from 'node:stream'
import { createLogger, ExponentialLogSampler } from '../../runtime/log.ts'
import { PrometheusHostMetrics } from '../../runtime/metrics.ts'
import { flush } from '../helpers/flush.ts'

t.test('log - the sampler logs the 1st, 2nd, 4th, 8th... occurrence of each key', async (t) => {
  const sampler = new ExponentialLogSampler()
  const logged: number[] = []
  for (let i = 0; i < 70; i++) {
    const { log, count } = sampler.shouldLog('malformed')
    t.equal(count, i + 1)
    if (log) logged.push(count)
  }
  t.strictSame(logged, [1, 2, 4, 8, 16, 32, 64])
  t.strictSame(sampler.shouldLog('oversized'), { log: true, count: 1 }, 'keys are counted separately')
})

t.test('log - createLogger writes JSON lines with the base fields and level', async (t) => {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const log = createLogger({ base: { host: 'h1' }, level: 'warn', destination })
  log.info('hidden')
  log.warn({ actor: 'echo/e1' }, 'shown')
  await flush()
  t.equal(lines.length, 1)
  t.match(JSON.parse(lines[0]!), { host: 'h1', actor: 'echo/e1', msg: 'shown', level: 40 })
})

/** The value of one sample in Prometheus text format, whatever the order of its labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const have = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
    const wanted = Object.entries(labels)
    if (wanted.length === Object.keys(have).length && wanted.every(([k, v]) => have[k] === v)) return Number(match[3])
  }
  return undefined
}

t.test('metrics - host metrics are exposed in the Prometheus text format with default labels', async (t) => {
  const metrics = new PrometheusHostMetrics({ host: 'h1' })
  metrics.messageOut('echo.ping')
  metrics.messageOut('echo.ping')
  metrics.messageHandled('echo.ping', 0.000_2)
  metrics.dropped('malformed')
  metrics.restarted('echo/e1')
  metrics.faultApplied('drop')
  metrics.setActorsRunning(3)
  const text = await metrics.registry.metrics()
  const host = 'h1'
  t.equal(sample(text, 'actorkube_messages_out_total', { host, type: 'echo.ping' }), 2)
  t.equal(sample(text, 'actorkube_messages_in_total', { host, type: 'echo.ping' }), 1)
  t.equal(sample(text, 'actorkube_message_handle_seconds_bucket', { host, type: 'echo.ping', le: '0.0001' }), 0)
  t.equal(sample(text, 'actorkube_message_handle_seconds_bucket', { host, type: 'echo.ping', le: '0.0005' }), 1)
  t.equal(sample(text, 'actorkube_message_handle_seconds_count', { host, type: 'echo.ping' }), 1)
  t.equal(sample(text, 'actorkube_messages_dropped_total', { host, reason: 'malformed' }), 1)
  t.equal(sample(text, 'actorkube_actor_restarts_total', { host, actor: 'echo/e1' }), 1)
  t.equal(sample(text, 'actorkube_faults_applied_total', { host, kind: 'drop' }), 1)
  t.equal(sample(text, 'actorkube_actors_running', { host }), 3)
  t.ok(text.includes('process_cpu_seconds_total'), 'default process metrics are collected too')
})

t.test('metrics - two hosts in one process keep separate registries', async (t) => {
  const a = new PrometheusHostMetrics({ host: 'a' })
  const b = new PrometheusHostMetrics({ host: 'b' })
  a.dropped('duplicate')
  t.equal(sample(await a.registry.metrics(), 'actorkube_messages_dropped_total', { host: 'a', reason: 'duplicate' }), 1)
  t.equal(sample(await b.registry.metrics(), 'actorkube_messages_dropped_total', { host: 'b', reason: 'duplicate' }), undefined)
})
