/**
 * The proxy actor's `engine` child: informers on Services and Endpoints (list + watch over NATS,
 * runtime/controllers/informer.ts); every change recomputes the node's listeners and targets
 * (actors/proxy/desired.ts) and applies them to the sockets (tcp-listeners.ts). Backends are
 * chosen per connection from the current targets by the pure balancer (actors/proxy/balancer.ts),
 * whose round-robin and affinity state lives here, per Service port.
 */
import type { AnyActorLogic } from 'xstate'
import { INITIAL, pick, type TargetState } from '../../actors/proxy/balancer.ts'
import { desiredProxy, type DesiredProxy } from '../../actors/proxy/desired.ts'
import type { ProxyEngineEvent, ProxyOptions } from '../../actors/proxy/proxy.machine.ts'
import type { Endpoints, Service } from '../../actors/kube/objects.ts'
import { Informer } from '../controllers/informer.ts'
import { engine, type EngineDeps } from '../engine.ts'
import { TcpListeners } from './tcp-listeners.ts'

export function proxyEngineLogic(id: string, options: ProxyOptions, deps: EngineDeps): AnyActorLogic {
  const nodeDeps = { ...deps, log: deps.log.child({ node: options.nodeName }) }
  return engine<ProxyEngineEvent>('proxy', nodeDeps, { apiservers: options.apiservers, clientId: `proxy-${id}` }, (ctx) => {
    let desired: DesiredProxy = { listeners: [], targets: new Map() }
    const balancers = new Map<string, TargetState>()
    let queued = false

    const report = () => ctx.report({ type: 'proxy.synced', listeners: listeners.wanted, bound: listeners.bound })
    const listeners = new TcpListeners({
      clock: ctx.clock,
      log: ctx.log,
      onChange: report,
      choose: (targetId, clientIP, exclude) => {
        const target = desired.targets.get(targetId)
        if (target === undefined) return undefined
        const out = pick(balancers.get(targetId) ?? INITIAL, target, clientIP, ctx.clock.now(), exclude)
        balancers.set(targetId, out.state)
        return out.backend
      },
    })

    const sync = () => {
      queued = false
      if (ctx.stopped || !services.synced || !endpoints.synced) return
      desired = desiredProxy(services.list(), endpoints.list(), options)
      for (const key of balancers.keys()) if (!desired.targets.has(key)) balancers.delete(key)
      listeners.apply(desired.listeners)
      report()
    }
    // A burst of watch events (the initial list) becomes one recompute.
    const schedule = () => {
      if (queued) return
      queued = true
      ctx.setTimer(sync, 0)
    }
    const services = new Informer<Service>(ctx.api, '/api/v1/services', schedule, ctx.log)
    const endpoints = new Informer<Endpoints>(ctx.api, '/api/v1/endpoints', schedule, ctx.log)
    Promise.all([services.start(), endpoints.start()]).then(schedule, ctx.fail)

    return {
      stop: () => Promise.all([listeners.close(), services.stop(), endpoints.stop()]),
    }
  })
}
