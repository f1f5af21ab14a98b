/**
 * The proxy actor's `engine` child: informers on Services and Endpoints (list + watch over NATS,
 * runtime/controllers/informer.ts); every change recomputes the node's listeners and targets
 * (actors/proxy/desired.ts) and applies them to the sockets (tcp-listeners.ts). Backends are
 * chosen per connection from the current targets by the pure balancer (actors/proxy/balancer.ts),
 * whose round-robin and affinity state lives here, per Service port.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import { INITIAL, pick, type TargetState } from '../../actors/proxy/balancer.ts'
import { desiredProxy, type DesiredProxy } from '../../actors/proxy/desired.ts'
import type { ProxyEngineEvent, ProxyOptions } from '../../actors/proxy/proxy.machine.ts'
import type { Endpoints, Service } from '../../actors/kube/objects.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import type { Clock } from '../clock.ts'
import { Informer } from '../controllers/informer.ts'
import type { Logger } from '../log.ts'
import type { Transport } from '../transport/transport.ts'
import { TcpListeners } from './tcp-listeners.ts'

export interface ProxyEngineDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly log: Logger
}

export function proxyEngineLogic(id: string, options: ProxyOptions, deps: ProxyEngineDeps): AnyActorLogic {
  return fromCallback(({ sendBack }) => {
    const log = deps.log.child({ engine: 'proxy', node: options.nodeName })
    const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: options.apiservers, clock: deps.clock, timeoutMs: 5000, clientId: `proxy-${id}` })
    let desired: DesiredProxy = { listeners: [], targets: new Map() }
    const balancers = new Map<string, TargetState>()
    let stopped = false
    let queued = false

    const report = () => {
      if (!stopped) sendBack({ type: 'proxy.synced', listeners: listeners.wanted, bound: listeners.bound } satisfies ProxyEngineEvent)
    }
    const listeners = new TcpListeners({
      clock: deps.clock,
      log,
      onChange: report,
      choose: (targetId, clientIP, exclude) => {
        const target = desired.targets.get(targetId)
        if (target === undefined) return undefined
        const out = pick(balancers.get(targetId) ?? INITIAL, target, clientIP, deps.clock.now(), exclude)
        balancers.set(targetId, out.state)
        return out.backend
      },
    })

    const sync = () => {
      queued = false
      if (stopped || !services.synced || !endpoints.synced) return
      desired = desiredProxy(services.list(), endpoints.list(), options)
      for (const key of balancers.keys()) if (!desired.targets.has(key)) balancers.delete(key)
      listeners.apply(desired.listeners)
      report()
    }
    // A burst of watch events (the initial list) becomes one recompute.
    const schedule = () => {
      if (queued) return
      queued = true
      deps.clock.setTimeout(sync, 0)
    }
    const services = new Informer<Service>(api, '/api/v1/services', schedule, log)
    const endpoints = new Informer<Endpoints>(api, '/api/v1/endpoints', schedule, log)
    Promise.all([services.start(), endpoints.start()]).then(schedule, (error: unknown) => {
      if (!stopped) sendBack({ type: 'engine.failed', message: error instanceof Error ? error.message : String(error) } satisfies ProxyEngineEvent)
    })

    return () => {
      stopped = true
      void Promise.all([listeners.close(), services.stop(), endpoints.stop()])
        .catch(() => undefined)
        .then(() => api.close())
    }
  })
}
