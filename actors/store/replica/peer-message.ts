/**
 * Checks a Raft message off the wire before the core sees it: the core trusts its inputs, and a
 * malformed message must be dropped, not crash the replica.
 */
import type { PeerMessage } from '../raft/messages.ts'
import type { Entry } from '../raft/types.ts'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128

function isEntry(v: unknown): v is Entry {
  return isObject(v) && isIndex(v.term) && isIndex(v.index) && (v.kind === 'command' || v.kind === 'noop' || v.kind === 'config') && v.data instanceof Uint8Array
}

function isSnapshot(v: unknown): boolean {
  if (!isObject(v) || !(v.data instanceof Uint8Array) || !isObject(v.meta)) return false
  const meta = v.meta
  return isIndex(meta.index) && isIndex(meta.term) && Array.isArray(meta.voters) && meta.voters.every(isId)
}

const FIELDS: Record<PeerMessage['type'], (m: Record<string, unknown>) => boolean> = {
  vote: (m) => typeof m.pre === 'boolean' && isIndex(m.lastIndex) && isIndex(m.lastTerm) && typeof m.transfer === 'boolean',
  voteResp: (m) => typeof m.pre === 'boolean' && typeof m.reject === 'boolean',
  app: (m) => isIndex(m.prevIndex) && isIndex(m.prevTerm) && isIndex(m.commit) && Array.isArray(m.entries) && m.entries.every(isEntry),
  appResp: (m) => typeof m.reject === 'boolean' && isIndex(m.index) && isIndex(m.hintIndex) && isIndex(m.hintTerm),
  heartbeat: (m) => isIndex(m.commit) && isIndex(m.round),
  heartbeatResp: (m) => isIndex(m.round),
  snap: (m) => isSnapshot(m.snapshot),
  timeoutNow: () => true,
}

export function asPeerMessage(v: unknown): PeerMessage | undefined {
  if (!isObject(v) || typeof v.type !== 'string' || !Object.hasOwn(FIELDS, v.type)) return undefined
  if (!isId(v.from) || !isId(v.to) || !isIndex(v.term)) return undefined
  return FIELDS[v.type as PeerMessage['type']](v) ? (v as unknown as PeerMessage) : undefined
}
