/**
 * Which keys a request touches: one key, or a half-open interval [start, end) of keys where
 * end === null means "no upper bound" (etcd's rangeEnd "\0"). Prefixes become intervals here so
 * that the index and the event log only ever deal with intervals.
 */

export type KeyRange =
  | { readonly kind: 'single'; readonly key: string }
  | { readonly kind: 'span'; readonly start: string; readonly end: string | null }

/** The smallest string greater than every string starting with `prefix`; null when there is none. */
export function prefixEnd(prefix: string): string | null {
  // Increment the last code unit that can be incremented, dropping trailing 0xFFFF units (etcd does
  // the same on bytes with 0xff).
  for (let i = prefix.length - 1; i >= 0; i--) {
    const unit = prefix.charCodeAt(i)
    if (unit < 0xffff) return prefix.slice(0, i) + String.fromCharCode(unit + 1)
  }
  return null
}

/**
 * Builds a range from the request fields, following etcd: no rangeEnd is a single key, rangeEnd
 * "\0" is every key >= key, `prefix` is every key starting with key (the empty prefix is all keys).
 */
export function toKeyRange(key: string, rangeEnd: string | undefined, prefix: boolean | undefined): KeyRange {
  if (prefix) return { kind: 'span', start: key, end: prefixEnd(key) }
  if (rangeEnd === undefined) return { kind: 'single', key }
  if (rangeEnd === '\0') return { kind: 'span', start: key, end: null }
  return { kind: 'span', start: key, end: rangeEnd }
}

export function rangeContains(range: KeyRange, key: string): boolean {
  if (range.kind === 'single') return key === range.key
  return key >= range.start && (range.end === null || key < range.end)
}
