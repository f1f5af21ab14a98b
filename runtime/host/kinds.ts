import type { AnyActorLogic } from 'xstate'
import type { ActorKind } from '../../actors/kit/actor-kind.ts'
import { echoKind } from '../../actors/echo/echo.kind.ts'
import { memberKind } from '../../actors/membership/member.kind.ts'
import { DISK, METRICS } from '../../actors/store/replica/protocol.ts'
import type { StoreOptions } from '../../actors/store/replica/replica.machine.ts'
import { storeKind } from '../../actors/store/replica/store.kind.ts'
import { apiserverKind } from '../../actors/apiserver/apiserver.kind.ts'
import { HTTP, type ApiServerOptions } from '../../actors/apiserver/apiserver.machine.ts'
import { apiHttpServiceLogic } from '../apiserver/http-service.ts'
import { schedulerKind } from '../../actors/scheduler/scheduler.kind.ts'
import { ELECTOR, ENGINE, INFORMERS, type LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import { leaseElectorLogic } from '../leader/lease-elector.ts'
import { schedulerLogics } from '../scheduler/scheduler-engine.ts'
import { controllerManagerKind, type ControllerManagerOptions } from '../../actors/controllers/controller-manager.kind.ts'
import { controllerManagerEngineLogic } from '../controllers/controller-manager-engine.ts'
import { chaosControllerKind } from '../../actors/chaos/chaos-controller.kind.ts'
import { chaosControllerEngineLogic } from '../chaos/chaos-controller-engine.ts'
import { proxyKind } from '../../actors/proxy/proxy.kind.ts'
import { PROXY_ENGINE, type ProxyOptions } from '../../actors/proxy/proxy.machine.ts'
import { proxyEngineLogic } from '../proxy/proxy-engine.ts'
import { kubeletKind } from '../../actors/kubelet/kubelet.kind.ts'
import type { KubeletOptions } from '../../actors/kubelet/kubelet-options.ts'
import { kubeletServices } from '../kubelet/kubelet-services.ts'
import type { KubeletFaultTarget } from '../kubelet/kubelet-faults.ts'
import type { DiskIo } from '../disk/io.ts'
import type { EngineDeps } from '../engine.ts'
import type { HostMetrics } from '../metrics.ts'
import { DiskService } from '../store/disk-service.ts'
import { observeSync, storeMetricsLogic } from '../store/store-metrics.ts'

/** Every actor kind a host config may name. Later components register here. */
export const actorKinds: Readonly<Record<string, ActorKind>> = {
  echo: echoKind as ActorKind,
  member: memberKind as ActorKind,
  store: storeKind as ActorKind,
  apiserver: apiserverKind as ActorKind,
  scheduler: schedulerKind as ActorKind,
  controllermanager: controllerManagerKind as ActorKind,
  chaoscontroller: chaosControllerKind as ActorKind,
  proxy: proxyKind as ActorKind,
  kubelet: kubeletKind as ActorKind,
}

/**
 * Children beyond `network` that a kind's machine invokes, provided by the host: the I/O edges
 * (disk, processes) an actor may not touch itself. They outlive actor restarts; the host closes
 * them on stop.
 */
export interface HostServices {
  readonly logic: Readonly<Record<string, AnyActorLogic>>
  /** A kubelet's: where the host's chaos leases apply pod and node faults. */
  readonly kubeletFaults?: KubeletFaultTarget
  close(): Promise<void>
}

/** An engine's deps (runtime/engine.ts) plus where the host's metrics go. */
export interface ServiceDeps extends EngineDeps {
  readonly metrics: HostMetrics
  /** The store's file operations (the simulation's MemoryDisk); node's file system when absent. */
  readonly io?: DiskIo
}

type ServiceFactory = (id: string, options: unknown, deps: ServiceDeps) => HostServices

export const hostServices: Readonly<Record<string, ServiceFactory>> = {
  store: (id, options, { log, metrics, io, clock }) => {
    const disk = new DiskService({ dir: (options as StoreOptions).dataDir, log, onSync: observeSync(id, metrics), clock, ...(io ? { io } : {}) })
    // The logic is built once: restarts invoke it again and wait for the previous close.
    const logic = disk.logic()
    return { logic: { [DISK]: logic, [METRICS]: storeMetricsLogic(id, metrics) }, close: () => disk.closed() }
  },
  apiserver: (_id, options, deps) => ({
    logic: { [HTTP]: apiHttpServiceLogic(options as ApiServerOptions, deps) },
    close: async () => {},
  }),
  scheduler: (id, options, deps) => {
    // Informers on every master, the engine while leading, over one warm view (a hot standby).
    const scheduler = schedulerLogics(id, options as LeaderOptions, deps)
    return { logic: { [ELECTOR]: leaseElectorLogic(id, options as LeaderOptions, deps), [INFORMERS]: scheduler.informers, [ENGINE]: scheduler.engine }, close: async () => {} }
  },
  controllermanager: (id, options, deps) => ({
    logic: { [ELECTOR]: leaseElectorLogic(id, options as LeaderOptions, deps), [ENGINE]: controllerManagerEngineLogic(id, options as ControllerManagerOptions, deps) },
    close: async () => {},
  }),
  chaoscontroller: (id, options, deps) => ({
    logic: { [ELECTOR]: leaseElectorLogic(id, options as LeaderOptions, deps), [ENGINE]: chaosControllerEngineLogic(id, options as LeaderOptions, deps) },
    close: async () => {},
  }),
  kubelet: (id, options, deps) => kubeletServices(id, options as KubeletOptions, deps),
  proxy: (id, options, deps) => ({
    logic: { [PROXY_ENGINE]: proxyEngineLogic(id, options as ProxyOptions, deps) },
    close: async () => {},
  }),
}
