/**
 * Which of a fault's matched targets it hits: one, all, a fixed number or a percentage, drawn
 * from the experiment's seed. The draw depends only on (seed, round, fault index) and the set
 * of candidates, never on what was drawn before, so a controller that restarts mid-experiment
 * (or a replay in the simulation) picks exactly the same targets.
 */
import { nextRandom } from '../store/raft/rand.ts'
import type { TargetMode } from './api.ts'

/** A 32-bit seed for one draw, mixed from the experiment's seed, the round and the fault (FNV-1a over the three). */
export function drawSeed(seed: number, round: number, faultIndex: number): number {
  let h = 0x811c9dc5
  for (const word of [seed >>> 0, round >>> 0, faultIndex >>> 0]) {
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (word >>> shift) & 0xff
      h = Math.imul(h, 0x01000193)
    }
  }
  return h | 0
}

/** How many of `n` candidates a mode hits: percent rounds up and hits at least one (of a non-empty set). */
export function targetCount(n: number, mode: TargetMode, value: number | undefined): number {
  if (n === 0) return 0
  switch (mode) {
    case 'one':
      return 1
    case 'all':
      return n
    case 'fixed':
      return Math.min(n, value ?? 1)
    case 'percent':
      return Math.min(n, Math.max(1, Math.ceil((n * (value ?? 100)) / 100)))
  }
}

/** The targets hit, in the candidates' sorted order; a partial Fisher-Yates shuffle of the sorted candidates. */
export function pickTargets(candidates: readonly string[], mode: TargetMode, value: number | undefined, seed: number): string[] {
  const pool = [...new Set(candidates)].sort()
  const count = targetCount(pool.length, mode, value)
  let state = seed
  for (let i = 0; i < count; i++) {
    const r = nextRandom(state)
    state = r.seed
    const j = i + Math.floor(r.value * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, count).sort()
}
