/**
 * What a process container runs. Nothing is pulled: the built-in images are small programs that
 * ship with actorkube (runtime/images/) and run on this Node; any other image runs its
 * container's `command` with the host's programs, as if the image's filesystem were the host's.
 */
import { fileURLToPath } from 'node:url'
import type { Container } from '../../../actors/kube/objects.ts'
import { CriError } from '../container-runtime.ts'
import { parseImageRef } from '../image-ref.ts'

/** Repository -> program, run with process.execPath (no tsx: they start in ~40 ms). */
export const BUILT_IN_IMAGES: Readonly<Record<string, string>> = {
  'actorkube/echo': fileURLToPath(new URL('../../images/echo.mjs', import.meta.url)),
  'actorkube/sleep': fileURLToPath(new URL('../../images/sleep.mjs', import.meta.url)),
}

export interface ResolvedImage {
  readonly image: string
  readonly imageID: string
  readonly file: string
  readonly args: readonly string[]
}

/** Throws the CriError the container then waits with (InvalidImageName, ErrImagePull). */
export function resolveImage(container: Container): ResolvedImage {
  const ref = parseImageRef(container.image, 'actorkube')
  if (!ref) throw new CriError('InvalidImageName', `invalid image name ${JSON.stringify(container.image ?? '')}`)
  const args = container.args ?? []
  // As in Kubernetes, command replaces the image's entrypoint and args follow it.
  if (container.command && container.command.length > 0) {
    const [file, ...rest] = container.command
    return { image: ref.image, imageID: ref.imageID, file: file!, args: [...rest, ...args] }
  }
  const program = BUILT_IN_IMAGES[ref.repository]
  if (program === undefined) {
    const names = Object.keys(BUILT_IN_IMAGES).join(', ')
    throw new CriError('ErrImagePull', `image ${JSON.stringify(container.image)} is not a built-in image (${names}) and the container has no command to run on the host`)
  }
  return { image: ref.image, imageID: ref.imageID, file: process.execPath, args: [program, ...args] }
}
