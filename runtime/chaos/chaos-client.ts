import type { Clock } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent, type OutboundEvent, type WireEvent } from '../codec.ts'
import { chaosSubject } from '../subjects.ts'
import { Requester } from '../transport/requester.ts'
import type { Transport } from '../transport/transport.ts'

/**
 * Sends a chaos command to one host (request/reply) or to every host (one publish on the
 * cluster-wide subject, collecting each host's answer for `collectMs`).
 */
export async function sendChaos(
  transport: Transport,
  clock: Clock,
  options: { cluster: string; host?: string; command: OutboundEvent; timeoutMs?: number; collectMs?: number },
): Promise<WireEvent[]> {
  const data = encodeEvent(options.command)
  if (options.host) {
    const requester = new Requester(transport, clock)
    try {
      const reply = await requester.request(chaosSubject(options.cluster, options.host), data, { timeoutMs: options.timeoutMs ?? 2_000 })
      return [decodeOrExplain(reply.data)]
    } finally {
      requester.close()
    }
  }
  const inbox = transport.newInbox()
  const answers: WireEvent[] = []
  const subscription = transport.subscribe(inbox, (message) => {
    answers.push(decodeOrExplain(message.data))
  })
  try {
    transport.publish(chaosSubject(options.cluster), data, { reply: inbox })
    await transport.flush()
    await new Promise<void>((resolve) => clock.setTimeout(resolve, options.collectMs ?? 500))
  } finally {
    subscription.unsubscribe()
  }
  return answers
}

function decodeOrExplain(data: Uint8Array): WireEvent {
  const event = decodeEvent(data)
  return event instanceof DecodeFailure ? { type: 'chaos.error', message: `undecodable answer: ${event.reason}` } : event
}
