/**
 * A process pod's volumes: there is no mount namespace, so a volume mount is handed over as
 *
 *   - `ACTORKUBE_VOLUME_<NAME>`: the directory on the host (NAME: the volume's name in upper case,
 *     other characters than letters and digits as `_`; `www` -> `ACTORKUBE_VOLUME_WWW`), with the
 *     mount's `subPath` appended (made as a directory if missing; a file there, e.g. one key of a
 *     ConfigMap, is mounted as the file); always set. A volume the kubelet keeps in sync
 *     (`snapshotSubPaths`: configMap, secret...) gives a subPath mount a copy taken at mount time
 *     under `<pod dir>/volume-subpaths/<volume>/<n>/`, which later updates do not reach, as
 *     Kubernetes' subPath bind mounts do not;
 *   - the `mountPath` itself, when it can be made without root: a relative mountPath is taken
 *     from the pod's directory (the default working directory, so `./data` works); an absolute one
 *     that does not exist yet and whose parent exists and the host's user may write becomes a symbolic link
 *     to the directory; one that is already a symbolic link is pointed at the directory again
 *     (the pod's previous incarnation left it). Anything else (`/data` owned by root, an existing
 *     directory) is left alone: the container has the variable only.
 *
 * Every container of the pod gets the variables of all its mounts (one environment per pod). Links
 * made under absolute paths are returned, for the pod's removal to take them away.
 */
import { accessSync, constants, cpSync, existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs'
import { basename, dirname, isAbsolute, join } from 'node:path'
import type { Pod } from '../../actors/kube/objects.ts'

/** A pod volume the kubelet made ready on the host. */
export interface SandboxVolume {
  readonly name: string
  /** The directory on the host. */
  readonly path: string
  /** Its files are rewritten while the pod runs: a subPath mount gets a copy that stays as it was. */
  readonly snapshotSubPaths?: boolean
}

export interface VolumeMount {
  readonly name: string
  readonly mountPath: string
  readonly subPath?: string
  readonly readOnly?: boolean
}

/** Every volumeMount of the pod's containers (init containers first). */
export function podVolumeMounts(pod: Pod): readonly VolumeMount[] {
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers] as readonly { readonly volumeMounts?: readonly VolumeMount[] }[]
  return containers.flatMap((c) => c.volumeMounts ?? [])
}

/** The environment variable a volume's directory is passed in. */
export const volumeEnvName = (volume: string): string => `ACTORKUBE_VOLUME_${volume.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`

export interface MountedVolumes {
  readonly env: Record<string, string>
  /** Symbolic links made at absolute mountPaths. */
  readonly links: string[]
}

export function mountVolumes(volumes: readonly SandboxVolume[], mounts: readonly VolumeMount[], podDir: string): MountedVolumes {
  const env: Record<string, string> = {}
  const links: string[] = []
  for (const [index, mount] of mounts.entries()) {
    const volume = volumes.find((v) => v.name === mount.name)
    if (volume === undefined) continue
    let target = mount.subPath ? join(volume.path, mount.subPath) : volume.path
    if (!existsSync(target)) mkdirSync(target, { recursive: true })
    if (mount.subPath && volume.snapshotSubPaths === true) target = snapshot(target, join(podDir, 'volume-subpaths', mount.name, String(index)))
    env[volumeEnvName(mount.name)] = target
    const at = isAbsolute(mount.mountPath) ? mount.mountPath : join(podDir, mount.mountPath)
    if (linkTo(at, target, !isAbsolute(mount.mountPath)) && isAbsolute(mount.mountPath)) links.push(at)
  }
  return { env, links }
}

/** A copy of `source` (links followed) in `dir`, made again at each mount. */
function snapshot(source: string, dir: string): string {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const copy = join(dir, basename(source))
  cpSync(source, copy, { recursive: true, dereference: true })
  return copy
}

/** Points `at` at `target` if that needs no root; whether it did. */
function linkTo(at: string, target: string, inPod: boolean): boolean {
  try {
    const existing = lstatOrUndefined(at)
    if (existing !== undefined) {
      if (!existing.isSymbolicLink()) return false
      if (readlinkSync(at) === target) return true
      unlinkSync(at)
    } else {
      // Parents are made only inside the pod's own directory (relative mountPaths).
      if (inPod) mkdirSync(dirname(at), { recursive: true })
      accessSync(dirname(at), constants.W_OK)
    }
    symlinkSync(target, at, statSync(target).isDirectory() ? 'dir' : 'file')
    return true
  } catch {
    return false
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

/** Removes the links `mountVolumes` made, if they still point where they did. */
export function unmountVolumes(links: readonly string[], volumes: readonly SandboxVolume[]): void {
  for (const link of links) {
    try {
      const target = readlinkSync(link)
      if (volumes.some((v) => target === v.path || target.startsWith(`${v.path}/`))) unlinkSync(link)
    } catch {
      // Gone already, or no longer a link: not ours to remove.
    }
  }
}
