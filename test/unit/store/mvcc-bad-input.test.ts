import t from 'tap'
import { MvccStore } from '../../../actors/store/mvcc/store.ts'
import { MAX_VALUE_BYTES } from '../../../actors/store/mvcc/types.ts'
import { bytes, storeWith } from './mvcc-helpers.ts'

t.test('mvcc bad input - error results, state untouched, never a throw', async (t) => {
  const v = bytes('x')
  const hostile = Object.defineProperty({ type: 'put', value: v }, 'key', {
    enumerable: true,
    get() {
      throw new Error('boom')
    },
  })
  const cases: Array<[string, unknown, string]> = [
    ['undefined', undefined, 'bad-request'],
    ['null', null, 'bad-request'],
    ['string', 'put', 'bad-request'],
    ['array', [], 'bad-request'],
    ['bytes', new Uint8Array(2), 'bad-request'],
    ['unknown type', { type: 'drop table' }, 'bad-request'],
    ['put without key', { type: 'put', value: v }, 'bad-request'],
    ['put empty key', { type: 'put', key: '', value: v }, 'bad-request'],
    ['put numeric key', { type: 'put', key: 1, value: v }, 'bad-request'],
    ['put string value', { type: 'put', key: '/k', value: 'x' }, 'bad-request'],
    ['put array value', { type: 'put', key: '/k', value: [1] }, 'bad-request'],
    ['put negative lease', { type: 'put', key: '/k', value: v, lease: -1 }, 'bad-request'],
    ['put fractional lease', { type: 'put', key: '/k', value: v, lease: 1.5 }, 'bad-request'],
    ['put value too large', { type: 'put', key: '/k', value: new Uint8Array(MAX_VALUE_BYTES + 1) }, 'value-too-large'],
    ['put key too long', { type: 'put', key: '/'.repeat(40_000), value: v }, 'bad-request'],
    ['put unknown lease', { type: 'put', key: '/k', value: v, lease: 12 }, 'lease-not-found'],
    ['hostile getter', hostile, 'bad-request'],
    ['delete empty key', { type: 'deleteRange', key: '' }, 'bad-request'],
    ['delete rangeEnd and prefix', { type: 'deleteRange', key: '/a', rangeEnd: '/b', prefix: true }, 'bad-request'],
    ['delete numeric rangeEnd', { type: 'deleteRange', key: '/a', rangeEnd: 3 }, 'bad-request'],
    ['range negative limit', { type: 'range', key: '/a', limit: -1 }, 'bad-request'],
    ['range future', { type: 'range', key: '/a', revision: 99 }, 'future-revision'],
    ['txn compare not array', { type: 'txn', compare: 'x' }, 'bad-request'],
    ['txn unknown target', { type: 'txn', compare: [{ key: '/a', target: 'lease', op: '=', value: 1 }] }, 'bad-request'],
    ['txn bad op', { type: 'txn', compare: [{ key: '/a', target: 'version', op: '>=', value: 1 }] }, 'bad-request'],
    ['txn value compare with number', { type: 'txn', compare: [{ key: '/a', target: 'value', op: '=', value: 1 }] }, 'bad-request'],
    ['txn exists with <', { type: 'txn', compare: [{ key: '/a', target: 'exists', op: '<', value: true }] }, 'bad-request'],
    ['txn nested txn', { type: 'txn', compare: [], success: [{ type: 'txn', compare: [] }] }, 'bad-request'],
    ['txn oversized value in op', { type: 'txn', compare: [], success: [{ type: 'put', key: '/k', value: new Uint8Array(MAX_VALUE_BYTES + 1) }] }, 'value-too-large'],
    ['txn too many ops', { type: 'txn', compare: [], success: Array.from({ length: 1025 }, () => ({ type: 'range', key: '/a' })) }, 'bad-request'],
    ['leaseGrant zero ttl', { type: 'leaseGrant', ttlMs: 0, now: 0 }, 'bad-request'],
    ['leaseGrant no now', { type: 'leaseGrant', ttlMs: 10 }, 'bad-request'],
    ['leaseGrant NaN ttl', { type: 'leaseGrant', ttlMs: Number.NaN, now: 0 }, 'bad-request'],
    ['leaseRevoke string id', { type: 'leaseRevoke', id: '1' }, 'bad-request'],
    ['leaseKeepAlive unknown', { type: 'leaseKeepAlive', id: 4, now: 0 }, 'lease-not-found'],
    ['leaseExpire both', { type: 'leaseExpire', now: 1, ids: [1] }, 'bad-request'],
    ['leaseExpire bad ids', { type: 'leaseExpire', ids: [0] }, 'bad-request'],
    ['leaseExpire neither', { type: 'leaseExpire' }, 'bad-request'],
    ['compact negative', { type: 'compact', revision: -3 }, 'bad-request'],
    ['compact infinite', { type: 'compact', revision: Infinity }, 'bad-request'],
  ]
  const s = storeWith({ '/a': '1' })
  const before = JSON.stringify(s.snapshot(), (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))
  for (const [name, command, error] of cases) {
    const out = s.apply(command)
    t.match(out, { result: { ok: false, error, revision: 2 }, events: [] }, name)
    if (!out.result.ok) t.type(out.result.message, 'string')
  }
  t.equal(JSON.stringify(s.snapshot(), (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)), before, 'state untouched')
  t.match(s.range({ type: 'put', key: '/a', value: v }), { ok: false, error: 'bad-request' }, 'range() only serves ranges')
  t.match(s.apply({ type: 'put', key: '/k', value: new Uint8Array(MAX_VALUE_BYTES) }).result, { ok: true }, 'exactly at the limit is fine')
})
