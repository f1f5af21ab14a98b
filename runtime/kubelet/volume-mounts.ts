/**
 * A process pod's volumes: there is no mount namespace, so a volume mount is handed over as
 *
 *   - `ACTORKUBE_VOLUME_<NAME>`: the directory on the host (NAME: the volume's name in upper case,
 *     other characters than letters and digits as `_`; `www` -> `ACTORKUBE_VOLUME_WWW`), with the
 *     mount's `subPath` appended (made if missing); always set;
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
import { accessSync, constants, lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'

/** A pod volume the kubelet made ready on the host. */
export interface SandboxVolume {
  readonly name: string
  /** The directory on the host. */
  readonly path: string
}

export interface VolumeMount {
  readonly name: string
  readonly mountPath: string
  readonly subPath?: string
  readonly readOnly?: boolean
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
  for (const mount of mounts) {
    const volume = volumes.find((v) => v.name === mount.name)
    if (volume === undefined) continue
    const target = mount.subPath ? join(volume.path, mount.subPath) : volume.path
    mkdirSync(target, { recursive: true })
    env[volumeEnvName(mount.name)] = target
    const at = isAbsolute(mount.mountPath) ? mount.mountPath : join(podDir, mount.mountPath)
    if (linkTo(at, target, !isAbsolute(mount.mountPath)) && isAbsolute(mount.mountPath)) links.push(at)
  }
  return { env, links }
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
    symlinkSync(target, at, 'dir')
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
