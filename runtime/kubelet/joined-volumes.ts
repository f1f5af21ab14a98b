/**
 * Several kinds of pod volumes behind the one `volumes` a pod's runtime child takes
 * (pod-runtime.ts): each is mounted in turn (their environments joined, a later kind's
 * variables winning) and all are unmounted together.
 */
import type { Pod } from '../../actors/kube/objects.ts'

/** What pod-runtime.ts asks of a pod's volumes (the shape of service-account-volume.ts' PodVolumes). */
export interface VolumeKind {
  mount(pod: Pod, sandbox: { readonly dir?: string }): Promise<Record<string, string>>
  unmount(podUid: string): void
}

/** The kinds present joined into one; undefined when there are none. */
export function joinVolumes(...kinds: readonly (VolumeKind | undefined)[]): VolumeKind | undefined {
  const present = kinds.filter((k): k is VolumeKind => k !== undefined)
  if (present.length <= 1) return present[0]
  return {
    async mount(pod, sandbox) {
      let env: Record<string, string> = {}
      for (const kind of present) env = { ...env, ...(await kind.mount(pod, sandbox)) }
      return env
    },
    unmount(podUid) {
      for (const kind of present) kind.unmount(podUid)
    },
  }
}
