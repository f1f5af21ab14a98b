/**
 * The control subject `ak.<cluster>.up.nats.control`, answered by `actorkube up` when it runs the
 * NATS cluster: how a chaos experiment (or a person) kills and restarts one nats-server by index.
 *
 * Requests and their answers (msgpack events, as every message here):
 * - `{type: 'nats.status'}` -> `{type: 'nats.status', servers: [{index, url, running, pid?, routes}]}`
 * - `{type: 'nats.kill', index, signal?}` -> `{type: 'nats.kill.accepted', index, pid}`, sent and
 *   flushed BEFORE the kill: the answer could otherwise die with the server it travels through.
 *   Poll `nats.status` to see the member down. `signal`: SIGKILL (default) or SIGTERM.
 * - `{type: 'nats.restart', index}` -> `{type: 'nats.restarted', index, pid}` once it serves again
 *   on its old ports (a running member is killed first).
 * - anything invalid -> `{type: 'nats.error', message}`.
 */
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import type { NatsCluster } from '../nats-cluster.ts'
import { subjectFor } from '../subjects.ts'
import type { Requester } from '../transport/requester.ts'
import type { Subscription, Transport } from '../transport/transport.ts'

export const natsControlSubject = (cluster: string): string => subjectFor(cluster, { component: 'up', instance: 'nats', verb: 'control' })

/** Sends one control request and returns the decoded answer (the caller: a test, the chaos controller's adapter). */
export async function requestNatsControl(requester: Requester, cluster: string, event: { type: string } & Record<string, unknown>, timeoutMs = 5_000): Promise<{ type: string } & Record<string, unknown>> {
  const reply = await requester.request(natsControlSubject(cluster), encodeEvent(event), { timeoutMs })
  const answer = decodeEvent(reply.data)
  if (answer instanceof DecodeFailure) throw new Error(`undecodable answer on ${natsControlSubject(cluster)} (${answer.reason})`)
  return answer
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGTERM']

export function serveNatsControl(transport: Transport, cluster: string, nats: NatsCluster): Subscription {
  return transport.subscribe(natsControlSubject(cluster), (message) => {
    const reply = message.reply
    if (!reply) return
    const answer = (event: { type: string } & Record<string, unknown>) => transport.publish(reply, encodeEvent(event))
    void handle(decodeEvent(message.data), nats, answer, () => transport.flush()).catch((error: unknown) => {
      answer({ type: 'nats.error', message: error instanceof Error ? error.message : String(error) })
    })
  })
}

async function handle(request: ReturnType<typeof decodeEvent>, nats: NatsCluster, answer: (event: { type: string } & Record<string, unknown>) => void, flush: () => Promise<void>): Promise<void> {
  if (request instanceof DecodeFailure) throw new Error(`undecodable request (${request.reason})`)
  if (request.type === 'nats.status') return answer({ type: 'nats.status', servers: nats.status() })
  const index = request.index
  const members = nats.status().length
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > members) {
    throw new Error(`index must be a nats-server number 1..${members}, got ${JSON.stringify(index)}`)
  }
  if (request.type === 'nats.kill') {
    const signal = request.signal ?? 'SIGKILL'
    if (typeof signal !== 'string' || !SIGNALS.includes(signal as NodeJS.Signals)) throw new Error(`signal must be one of ${SIGNALS.join(', ')}, got ${JSON.stringify(signal)}`)
    const member = nats.status()[index - 1]!
    answer({ type: 'nats.kill.accepted', index, ...(member.pid !== undefined ? { pid: member.pid } : {}) })
    await flush()
    return nats.kill(index, signal as NodeJS.Signals)
  }
  if (request.type === 'nats.restart') {
    await nats.restart(index)
    const pid = nats.status()[index - 1]!.pid
    return answer({ type: 'nats.restarted', index, ...(pid !== undefined ? { pid } : {}) })
  }
  throw new Error(`unknown request type ${JSON.stringify(request.type)}: nats.status, nats.kill or nats.restart`)
}
