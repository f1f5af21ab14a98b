/**
 * Seeded randomness (sfc32 seeded through splitmix32): the same seed gives the same stream on
 * every platform, which is what makes a simulated run replayable.
 */
export type Random = () => number

export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`)
  let s = seed >>> 0
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix()
  return () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
}

/** Randomness for a real host: seeded when a seed is configured (reproducible chaos runs). */
export function hostRandom(seed?: number): Random {
  return seed === undefined ? Math.random : seededRandom(seed)
}

/**
 * A fresh id that is a NATS subject token: `prefix` and 18 base-36 digits, from `random` when the
 * host injects one (simulation: the run replays) and from the system's CSPRNG otherwise.
 */
export function randomClientId(prefix: string, random?: Random): string {
  let id = prefix
  if (random !== undefined) {
    for (let i = 0; i < 18; i++) id += Math.floor(random() * 36).toString(36)
    return id
  }
  const bytes = new Uint8Array(9)
  globalThis.crypto.getRandomValues(bytes)
  for (const b of bytes) id += b.toString(36).padStart(2, '0')
  return id
}

/** A version-4 UUID (object uids, stream ids): from `random` when the host injects one, else the CSPRNG. */
export function randomUuid(random?: Random): string {
  if (random === undefined) return globalThis.crypto.randomUUID()
  let hex = ''
  for (let i = 0; i < 32; i++) hex += Math.floor(random() * 16).toString(16)
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
