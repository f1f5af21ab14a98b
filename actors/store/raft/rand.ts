/**
 * The core's randomness: a mulberry32 stream whose 32-bit state lives in the replica state, so a
 * run is a pure function of (initial state, inputs) and a failing seed replays exactly.
 */

/** Advances `seed`; returns the next state and a value in [0, 1). */
export function nextRandom(seed: number): { readonly seed: number; readonly value: number } {
  const next = (seed + 0x6d2b79f5) | 0
  let t = next
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return { seed: next, value: ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
}
