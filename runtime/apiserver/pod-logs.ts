/**
 * The apiserver's side of `kubectl logs`: asks the kubelet of the pod's node over NATS
 * (actors/kubelet/log-protocol.ts) and turns its stream into a text response. While the response
 * is open it keeps the kubelet's stream alive; closing it (the client went away) cancels it.
 */
import type { ApiResponse } from '../../actors/apiserver/http/api-request.ts'
import { serviceUnavailable } from '../../actors/apiserver/meta/status.ts'
import type { ApiPorts } from '../../actors/apiserver/ports.ts'
import type { EngineDeps } from '../engine.ts'
import { LOG_KEEPALIVE_MS, LOGS_VERB, type LogCommand, type LogStreamMessage } from '../../actors/kubelet/log-protocol.ts'
import type { TimerHandle } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import { randomUuid } from '../random.ts'
import { subjectFor } from '../subjects.ts'

/** How long the kubelet has to answer whether it can read the log. */
const OPEN_TIMEOUT_MS = 5000


export function podLogsPort(deps: EngineDeps): NonNullable<ApiPorts['podLogs']> {
  return (nodeName, request) =>
    new Promise<ApiResponse>((resolve) => {
      const streamId = randomUuid(deps.random)
      const streamTo = deps.transport.newInbox()
      const kubelet = subjectFor(deps.cluster, { component: 'kubelet', instance: nodeName, verb: LOGS_VERB })
      const tell = (command: LogCommand) => deps.transport.publish(kubelet, encodeEvent(command))
      const buffered: string[] = []
      let write: ((chunk: string) => void) | undefined
      let end: (() => void) | undefined
      let ended = false
      let settled = false

      // Once: the kubelet's end, a failure, the open timeout and the client going away may all call it.
      const finish = () => {
        if (ended) return
        ended = true
        subscription.unsubscribe()
        deps.clock.clearTimeout(keepAlive)
        end?.()
      }
      const subscription = deps.transport.subscribe(streamTo, (message) => {
        const event = decodeEvent(message.data) as LogStreamMessage | DecodeFailure
        if (event instanceof DecodeFailure || event.streamId !== streamId) return
        switch (event.type) {
          case 'kubelet.logsFailed':
            if (!settled) {
              settled = true
              finish()
              resolve({ kind: 'json', status: event.status, body: failureStatus(event.status, event.message) })
            }
            return
          case 'kubelet.logsOpened':
            if (settled) return
            settled = true
            deps.clock.clearTimeout(openTimer)
            resolve({
              kind: 'text',
              status: 200,
              contentType: 'text/plain',
              open(onWrite, onEnd) {
                write = onWrite
                end = onEnd
                for (const chunk of buffered.splice(0)) onWrite(chunk)
                if (ended) onEnd()
                return () => {
                  if (!ended) tell({ type: 'kubelet.logsCancel', streamId })
                  finish()
                }
              },
            })
            return
          case 'kubelet.logChunk':
            if (write) write(event.data)
            else buffered.push(event.data)
            return
          case 'kubelet.logEnd':
            finish()
            return
        }
      })
      const beat = (): TimerHandle =>
        deps.clock.setTimeout(() => {
          if (ended) return
          tell({ type: 'kubelet.logsKeepAlive', streamId })
          keepAlive = beat()
        }, LOG_KEEPALIVE_MS)
      let keepAlive = beat()
      const openTimer = deps.clock.setTimeout(() => {
        if (settled) return
        settled = true
        finish()
        resolve({ kind: 'json', status: 503, body: serviceUnavailable(`the kubelet of node ${nodeName} did not answer`).status })
      }, OPEN_TIMEOUT_MS)
      tell({ type: 'kubelet.logs', streamId, streamTo, ...request })
    })
}

function failureStatus(code: number, message: string) {
  const reason = code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError'
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}
