/** Score normalization shared by plugins (plugins/helper/normalize_score.go). */
import { MAX_NODE_SCORE } from './status.ts'

/**
 * helper.DefaultNormalizeScore: scales scores so the largest becomes MAX_NODE_SCORE (integer
 * division, as Go); `reverse` turns high raw scores into low ones. All zero: unchanged, or all
 * MAX_NODE_SCORE when reversed.
 */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0
  for (let i = 0; i < scores.length; i++) if (scores[i]! > top) top = scores[i]!
  if (top === 0) {
    if (reverse) scores.fill(max)
    return
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((max * scores[i]!) / top)
    scores[i] = reverse ? max - s : s
  }
}
