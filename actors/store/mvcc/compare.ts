/** Evaluates a txn guard against a key's current state, with etcd's rules for missing keys. */
import type { Compare } from './commands.ts'
import type { KeyValue } from './types.ts'

/** Lexicographic byte order, like Go's bytes.Compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1
}

function holds(order: number, op: Compare['op']): boolean {
  switch (op) {
    case '=':
      return order === 0
    case '!=':
      return order !== 0
    case '<':
      return order < 0
    case '>':
      return order > 0
  }
}

export function evaluateCompare(compare: Compare, kv: KeyValue | null): boolean {
  switch (compare.target) {
    case 'exists':
      return holds((kv !== null) === compare.value ? 0 : 1, compare.op)
    case 'value':
      // etcd: a value compare on a missing key is false whatever the op.
      if (kv === null) return false
      return holds(compareBytes(kv.value, compare.value as Uint8Array), compare.op)
    case 'version':
    case 'createRevision':
    case 'modRevision': {
      const actual = kv === null ? 0 : kv[compare.target]
      const expected = compare.value as number
      return holds(actual === expected ? 0 : actual < expected ? -1 : 1, compare.op)
    }
  }
}
