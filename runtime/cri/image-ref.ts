/**
 * Image references as pods write them (`actorkube/echo`, `actorkube/echo:1.0`,
 * `docker.io/library/busybox:1.36`, `name@sha256:...`): the repository without tag, the
 * reference the status shows (`:latest` added when no tag or digest was given) and a stable,
 * made-up imageID, since nothing is pulled.
 */
import { createHash } from 'node:crypto'

export interface ImageRef {
  /** Without tag or digest, without a `docker.io/` or `docker.io/library/` prefix. */
  readonly repository: string
  /** What containerStatuses[].image shows. */
  readonly image: string
  /** `<scheme>://<repository>@sha256:<hash of the reference>`. */
  readonly imageID: string
}

const cache = new Map<string, ImageRef>()

/** Undefined for an empty or malformed reference (the container waits with InvalidImageName). */
export function parseImageRef(reference: string | undefined, scheme: string): ImageRef | undefined {
  if (reference === undefined) return undefined
  const key = `${scheme} ${reference}`
  const cached = cache.get(key)
  if (cached) return cached
  const trimmed = reference.trim()
  if (trimmed === '' || /\s/.test(trimmed)) return undefined
  const at = trimmed.indexOf('@')
  const withoutDigest = at >= 0 ? trimmed.slice(0, at) : trimmed
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  const hasTag = colon > lastSlash
  let repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest
  if (repository === '' || repository !== repository.toLowerCase()) return undefined
  repository = repository.replace(/^docker\.io\/(library\/)?/, '')
  const image = at >= 0 || hasTag ? trimmed : `${trimmed}:latest`
  const hash = createHash('sha256').update(image).digest('hex')
  const ref: ImageRef = { repository, image, imageID: `${scheme}://${repository}@sha256:${hash}` }
  // Pods of one deployment share an image: cache so 150,000 hollow pods hash a handful of strings.
  if (cache.size < 10_000) cache.set(key, ref)
  return ref
}
