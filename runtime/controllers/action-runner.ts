/**
 * Carries out the controllers' actions (actors/controllers/actions.ts) through the API over
 * NATS: in order, stopping at the first failed write (the controller looks again later), with
 * a 404 on delete counting as done and events recorded best effort.
 */
import { fillEvent, type Action, type EventAction } from '../../actors/controllers/actions.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { ApiClient } from '../apiserver/api-client.ts'
import type { Logger } from '../log.ts'

export interface RunOutcome {
  /** Actions carried out (events included). */
  readonly done: number
  /** The first write that failed, if any. */
  readonly failed?: { readonly action: Action; readonly status: number; readonly message: string }
  /** Objects the server returned for creates, in order (generateName'd names among them). */
  readonly created: KubeObject[]
  /** The actions not carried out (the failed one and those after it). */
  readonly notDone: readonly Action[]
}

export async function runActions(api: ApiClient, actions: readonly Action[], log: Logger): Promise<RunOutcome> {
  const created: KubeObject[] = []
  let done = 0
  for (const action of actions) {
    if (action.type === 'event') {
      recordEvent(api, action, log)
      done++
      continue
    }
    // A call that threw (timed out, client closed) has no HTTP status: 0, which is no success.
    const answer = await call(api, action).catch((error: unknown) => ({ status: 0, body: { message: error instanceof Error ? error.message : String(error) } }))
    const ok = (answer.status >= 200 && answer.status < 300) || (action.type === 'delete' && answer.status === 404)
    if (!ok) {
      const message = (answer.body as { message?: string } | undefined)?.message ?? `HTTP ${answer.status}`
      if (action.onFailure) recordEvent(api, fillEvent(action.onFailure, { error: message }), log)
      return { done, failed: { action, status: answer.status, message }, created, notDone: actions.slice(actions.indexOf(action)) }
    }
    if (action.type === 'create') created.push(answer.body as KubeObject)
    if (action.onSuccess) {
      const name = (answer.body as KubeObject | undefined)?.metadata?.name
      recordEvent(api, fillEvent(action.onSuccess, name !== undefined ? { name } : {}), log)
    }
    done++
  }
  return { done, created, notDone: [] }
}

function call(api: ApiClient, action: Exclude<Action, EventAction>): Promise<{ status: number; body: unknown }> {
  switch (action.type) {
    case 'create':
      return api.call('POST', action.path, { body: action.object })
    case 'update':
      return api.call('PUT', action.path, { body: action.object })
    case 'updateStatus':
      return api.call('PUT', action.path.endsWith('/status') ? action.path : `${action.path}/status`, { body: action.object })
    case 'patch':
      return api.call('PATCH', action.path, { body: action.body, contentType: action.patchType })
    case 'delete':
      return api.call('DELETE', action.path, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', ...(action.preconditions ? { preconditions: action.preconditions } : {}), ...(action.propagationPolicy ? { propagationPolicy: action.propagationPolicy } : {}), ...(action.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: action.gracePeriodSeconds } : {}) },
      })
  }
}

function recordEvent(api: ApiClient, action: EventAction, log: Logger): void {
  void api.call('POST', action.path, { body: action.event }).then(
    (answer) => {
      if (answer.status >= 300) log.debug({ status: answer.status, reason: action.event.reason }, 'event not recorded')
    },
    () => {},
  )
}
