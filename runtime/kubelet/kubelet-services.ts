/**
 * What a host provides a kubelet actor: one container runtime for all its nodes (hollow or
 * process), the pod machine wired to it, the engine (API I/O), the log service for `kubectl
 * logs`, and the read-only endpoint. They outlive actor restarts; the runtime is closed (its
 * containers killed) when the host stops.
 */
import { join, resolve } from 'node:path'
import type { AnyActorLogic } from 'xstate'
import { KUBELET_ENGINE } from '../../actors/kubelet/kubelet-protocol.ts'
import { nodeNames, type KubeletOptions } from '../../actors/kubelet/kubelet-options.ts'
import { nodeMachine } from '../../actors/kubelet/node.machine.ts'
import { podMachine } from '../../actors/pod/pod.machine.ts'
import { POD_RUNTIME } from '../../actors/pod/pod-protocol.ts'
import type { ContainerRuntime } from '../cri/container-runtime.ts'
import { HollowRuntime } from '../cri/hollow/hollow-runtime.ts'
import { podRuntimeLogic } from '../cri/pod-runtime.ts'
import { ProcessRuntime } from '../cri/process/process-runtime.ts'
import type { EngineDeps } from '../engine.ts'
import { kubeletEngineLogic, type KubeletView } from './kubelet-engine.ts'
import { KubeletFaults } from './kubelet-faults.ts'
import { KubeletLogService } from './log-service.ts'
import { PodTraces } from './pod-traces.ts'
import { KubeletReadOnlyServer } from './read-only-server.ts'
import { serviceAccountVolumes } from './service-account-volume.ts'
import { claimVolumes, volumeRoot } from './claim-volumes.ts'
import { joinVolumes } from './joined-volumes.ts'
import { kubeletObjectVolumes } from './object-volumes.ts'
import { envObjectReader } from './env-objects.ts'
import { serviceLinkEnvSource } from './service-link-env.ts'

export function kubeletServices(id: string, options: KubeletOptions, deps: EngineDeps): { logic: Record<string, AnyActorLogic>; kubeletFaults: KubeletFaults; close(): Promise<void> } {
  const dir = resolve(options.dir || join('.actorkube', 'kubelet', id))
  const runtime: ContainerRuntime =
    options.runtime === 'hollow'
      ? new HollowRuntime({ clock: deps.clock, random: deps.random, ...(options.podCidr ? { podCidr: options.podCidr } : {}) })
      : new ProcessRuntime({ dir, random: deps.random, ...(options.podCidr ? { podCidr: options.podCidr } : {}) })
  const nodes = nodeNames(id, options)
  let view: KubeletView | undefined
  const logs = new KubeletLogService({ ...deps, runtime, pod: (namespace, name) => view?.pod(namespace, name) }, nodes)
  let readOnly: KubeletReadOnlyServer | undefined
  const readOnlyStarted =
    options.readOnlyPort === null
      ? Promise.resolve()
      : KubeletReadOnlyServer.start(options.nodeIP, options.readOnlyPort, { nodes, pods: () => view?.pods(), stats: () => runtime.stats() }).then(
          (server) => {
            readOnly = server
            deps.log.info({ address: options.nodeIP, port: server.port }, 'kubelet read-only endpoint listening')
          },
          (error: unknown) => deps.log.warn({ address: options.nodeIP, port: options.readOnlyPort, err: String(error) }, 'kubelet read-only endpoint not started'),
        )
  const traces = new PodTraces(deps.clock)
  // Chaos faults on this kubelet (pod-failure, container-kill, kubelet-stop); pods run on its runtime.
  const faults = new KubeletFaults({ runtime, nodes, view: () => view, log: deps.log })
  const processPods = options.runtime === 'process'
  const engine = kubeletEngineLogic(id, options, deps, { onView: (v) => void (view = v), readOnlyPort: () => readOnly?.port, traces, faults, ...(processPods ? { volumeDir: volumeRoot(dir) } : {}) })
  // Process pods get their service account token as files (hollow pods run nothing that could read one).
  const accounts = options.runtime === 'hollow' ? undefined : serviceAccountVolumes(options.apiservers, deps)
  // Process pods get their claims' directories (hollow pods write nothing).
  const claims = processPods ? claimVolumes(options.apiservers, dir, deps) : undefined
  // configMap, secret, emptyDir, downwardAPI and projected volumes: files for process pods; hollow pods only have their objects checked.
  const objectVolumes = kubeletObjectVolumes(options.apiservers, deps, { cpu: options.capacity.cpu, memory: options.capacity.memory })
  // Process pods get the Service variables (<NAME>_SERVICE_HOST ...): first, so every other source wins over them.
  const serviceLinks = processPods ? serviceLinkEnvSource(options.apiservers, deps) : undefined
  // Every runtime's pods get their env's ConfigMaps and Secrets (hollow ones too: a missing one holds the container back).
  const envObjects = envObjectReader(options.apiservers, deps)
  return {
    logic: {
      [KUBELET_ENGINE]: engine,
      // The pod machine is spawned by each node actor, so it is provided one level down.
      node: nodeMachine.provide({ actors: { pod: podMachine.provide({ actors: { [POD_RUNTIME]: podRuntimeLogic(faults.runtime, traces, joinVolumes(serviceLinks?.source, accounts?.volumes, claims?.volumes, objectVolumes.volumes), envObjects.reader) } }) } }),
    },
    kubeletFaults: faults,
    async close() {
      traces.close()
      logs.close()
      await readOnlyStarted
      await readOnly?.close()
      await accounts?.close()
      await claims?.close()
      await objectVolumes.close()
      await envObjects.close()
      await serviceLinks?.close()
      await runtime.close()
    },
  }
}
