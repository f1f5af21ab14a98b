/**
 * One `onExit` subscription per container runtime, shared by all the pods it serves: a host may
 * run 150,000 hollow pods, and one listener each would make every exit call 150,000 functions.
 * Exits are routed by container id to whoever registered it.
 */
import type { ContainerExit, ContainerInfo, ContainerRuntime } from './container-runtime.ts'

export type ExitHandler = (container: ContainerInfo, exit: ContainerExit) => void

interface Router {
  readonly handlers: Map<string, ExitHandler>
  unsubscribe: (() => void) | undefined
}

const routers = new WeakMap<ContainerRuntime, Router>()

export function routeExits(runtime: ContainerRuntime, containerId: string, handler: ExitHandler): void {
  let router = routers.get(runtime)
  if (!router) {
    router = { handlers: new Map(), unsubscribe: undefined }
    routers.set(runtime, router)
  }
  const { handlers } = router
  router.unsubscribe ??= runtime.onExit((container, exit) => handlers.get(container.id)?.(container, exit))
  handlers.set(containerId, handler)
}

/** Once no container is routed the subscription goes too, so a closed runtime holds nothing of ours. */
export function unrouteExits(runtime: ContainerRuntime, containerId: string): void {
  const router = routers.get(runtime)
  if (!router) return
  router.handlers.delete(containerId)
  if (router.handlers.size === 0 && router.unsubscribe) {
    router.unsubscribe()
    router.unsubscribe = undefined
  }
}

/** How many containers are routed (tests: nothing leaks once pods are gone). */
export function routedExits(runtime: ContainerRuntime): number {
  return routers.get(runtime)?.handlers.size ?? 0
}
