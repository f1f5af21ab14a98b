/**
 * Shuffle sharding, as Kubernetes' flow control deals queues to flows: a flow's hash picks a
 * hand of `handSize` distinct queues out of `deckSize`, and the flow waits in the shortest of
 * its hand. Two heavy flows then rarely share a whole hand, so one cannot crowd out another.
 */

/** A 53-bit hash of `text` (two 32-bit FNV-1a lanes with different offsets): enough entropy for a hand. */
export function flowHash(text: string): number {
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193) >>> 0
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0
  }
  return (b & 0x1fffff) * 0x1_0000_0000 + a
}

/**
 * The queues (0..deckSize-1, distinct) dealt to `hash`: each card is the hash read as a mixed-radix
 * number (radix deckSize, deckSize-1, ...), counted among the queues not dealt yet.
 */
export function dealHand(hash: number, deckSize: number, handSize: number): number[] {
  if (!Number.isInteger(handSize) || handSize < 1 || handSize > deckSize) throw new RangeError(`dealHand: handSize must be 1..${deckSize}, got ${handSize}`)
  const hand: number[] = []
  let rest = hash
  for (let i = 0; i < handSize; i++) {
    const radix = deckSize - i
    let card = rest % radix
    rest = Math.floor(rest / radix)
    // Skip the queues already dealt, lowest first, so that `card` counts only the remaining ones.
    for (const dealt of [...hand].sort((x, y) => x - y)) if (card >= dealt) card++
    hand.push(card)
  }
  return hand
}
