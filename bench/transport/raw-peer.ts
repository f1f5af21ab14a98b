/**
 * One side of the raw-client baseline, run as its own process:
 * `raw-peer.ts <nats-url> source|sink <ping-seq> <pong-json>`.
 * The sink counts pings and answers requests with a fixed pong body; the source publishes pings
 * and makes sequential requests when the bench tells it to. Both print `ready` once subscribed.
 */
import { connect, type Msg } from '@nats-io/transport-node'
import { decodeJson, encodeJson, pingBody, pongBody, RAW, type RawCommand, type RawReport } from './protocol.ts'

const [url, role, pingSeqText, pongText] = process.argv.slice(2)
if (!url || (role !== 'source' && role !== 'sink') || pingSeqText === undefined || pongText === undefined) {
  process.stderr.write('usage: raw-peer.ts <nats-url> source|sink <ping-seq> <pong-json>\n')
  process.exit(2)
}
const ping = pingBody(Number(pingSeqText))
const pongSpec = JSON.parse(pongText) as { seq: number; by: string; host: string; received: number }
const pong = pongBody(pongSpec.seq, pongSpec.by, pongSpec.host, pongSpec.received)

const nc = await connect({ servers: [url], name: `bench-raw-${role}` })

function command(msg: Msg): RawCommand {
  return decodeJson(msg.data) as RawCommand
}

const report = (subject: string, body: RawReport) => nc.publish(subject, encodeJson(body))

if (role === 'sink') {
  let received = 0
  let target = Number.POSITIVE_INFINITY
  let reportTo = ''
  nc.subscribe(RAW.data, {
    callback: (_error, _msg) => {
      received++
      if (received === target) {
        target = Number.POSITIVE_INFINITY
        report(reportTo, { received })
      }
    },
  })
  nc.subscribe(RAW.rpc, {
    callback: (_error, msg) => {
      msg.respond(pong)
    },
  })
  nc.subscribe(RAW.sinkControl, {
    callback: (_error, msg) => {
      const cmd = command(msg)
      if (cmd.op !== 'expect') return
      target = received + cmd.count
      reportTo = cmd.report
      msg.respond(encodeJson({ ok: true }))
    },
  })
} else {
  nc.subscribe(RAW.sourceControl, {
    callback: (_error, msg) => {
      const cmd = command(msg)
      if (cmd.op === 'blast') void blast(cmd.count, cmd.batch)
      else if (cmd.op === 'pingpong') void pingpong(cmd.count, cmd.timeoutMs, cmd.report)
    },
  })
}

async function blast(count: number, batch: number): Promise<void> {
  if (batch <= 0) {
    for (let i = 0; i < count; i++) nc.publish(RAW.data, ping)
    return
  }
  for (let sent = 0; sent < count; ) {
    const n = Math.min(batch, count - sent)
    for (let i = 0; i < n; i++) nc.publish(RAW.data, ping)
    sent += n
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

async function pingpong(count: number, timeoutMs: number, reportTo: string): Promise<void> {
  let failed = 0
  for (let i = 0; i < count; i++) {
    try {
      await nc.request(RAW.rpc, ping, { timeout: timeoutMs })
    } catch {
      failed++
    }
  }
  report(reportTo, { replies: count - failed, failed })
}

await nc.flush()
process.stdout.write('ready\n')
const stop = () => {
  void nc.drain().finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
