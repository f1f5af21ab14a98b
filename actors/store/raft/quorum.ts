/** Majority arithmetic over a fixed voter set (no joint consensus yet). */

export const quorum = (voters: number): number => Math.floor(voters / 2) + 1

/**
 * The highest index a majority has: sort the match indexes descending and take the quorum-th.
 * The caller still checks that entry's term (§5.4.2: only current-term entries commit by count).
 */
export function majorityIndex(matches: number[]): number {
  matches.sort((a, b) => b - a)
  return matches[quorum(matches.length) - 1] ?? 0
}

export type Tally = 'won' | 'lost' | 'pending'

export function tally(votes: ReadonlyMap<string, boolean>, voters: number): Tally {
  let granted = 0
  let rejected = 0
  for (const v of votes.values()) v ? granted++ : rejected++
  const q = quorum(voters)
  if (granted >= q) return 'won'
  if (rejected > voters - q) return 'lost'
  return 'pending'
}
