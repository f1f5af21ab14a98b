// Shared by the mvcc-*.test.ts files (not a test itself: tap only runs *.test.ts).
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import type { CommandResult } from '../../../actors/store/mvcc/results.ts'

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (value: Uint8Array): string => new TextDecoder().decode(value)

/** Applies and returns the result, for tables of commands. */
export function run(store: MvccStore, command: unknown): CommandResult {
  return store.apply(command).result
}

export function storeWith(puts: Record<string, string>): MvccStore {
  const store = new MvccStore()
  for (const [key, value] of Object.entries(puts)) store.apply({ type: 'put', key, value: bytes(value) })
  return store
}

/** key=value pairs a prefix range returns at a revision (0: current). */
export function listing(store: MvccStore, prefix = '', revision = 0): string[] {
  const r = store.range({ type: 'range', key: prefix, prefix: true, revision })
  if (!r.ok) throw new Error(r.message)
  return r.kvs.map((kv) => `${kv.key}=${text(kv.value)}`)
}
