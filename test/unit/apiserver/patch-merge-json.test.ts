import t from 'tap'
import { applyMergePatch } from '../../../actors/apiserver/patch/merge-patch.ts'
import { applyJsonPatch, parseJsonPointer } from '../../../actors/apiserver/patch/json-patch.ts'
import type { Json } from '../../../actors/apiserver/patch/json.ts'

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

t.test('RFC 7386 appendix A examples', async (t) => {
  const cases: [Json, Json, Json][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ]
  for (const [target, patch, want] of cases) {
    const r = applyMergePatch(deepFreeze(target), deepFreeze(patch))
    t.same(r, { ok: true, value: want }, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`)
  }
})

t.test('merge patch: kubectl scale and label', async (t) => {
  const scale = deepFreeze({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2 }, status: { replicas: 2, selector: 'app=web' } })
  t.same(applyMergePatch(scale, { spec: { replicas: 5 } }), { ok: true, value: { ...scale, spec: { replicas: 5 } } })

  const pod = deepFreeze({ metadata: { name: 'p', labels: { app: 'web', old: 'x' }, annotations: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'i' }] } })
  const r = applyMergePatch(pod, { metadata: { labels: { tier: 'frontend', old: null } } })
  t.same(r, { ok: true, value: { metadata: { name: 'p', labels: { app: 'web', tier: 'frontend' }, annotations: { a: '1' } }, spec: pod.spec } })
})

t.test('merge patch: __proto__ is an ordinary key, deep input is refused', async (t) => {
  const r = applyMergePatch({}, JSON.parse('{"__proto__":{"x":1}}') as Json)
  t.ok(r.ok)
  if (r.ok) {
    t.equal(Object.getPrototypeOf(r.value), Object.prototype)
    t.same(Object.keys(r.value as object), ['__proto__'])
  }
  let deep: Json = 1
  for (let i = 0; i < 100_000; i++) deep = { a: deep }
  const d = applyMergePatch({}, deep)
  t.equal(d.ok, false)
  if (!d.ok) t.equal(d.error.code, 400)
})

t.test('RFC 6901 pointers', async (t) => {
  t.same(parseJsonPointer(''), [])
  t.same(parseJsonPointer('/'), [''])
  t.same(parseJsonPointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1'])
  t.equal(parseJsonPointer('a'), undefined)
  t.equal(parseJsonPointer('/a~2'), undefined)
  t.equal(parseJsonPointer('/a~'), undefined)
})

t.test('RFC 6902 appendix A examples', async (t) => {
  const ok: [string, Json, Json, Json][] = [
    ['A.1 add object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 move an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 test success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 add nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignore unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: [1] } }, [{ op: 'copy', from: '/a/b', path: '/c' }, { op: 'add', path: '/c/-', value: 2 }], { a: { b: [1] }, c: [1, 2] }],
    ['replace root', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
    ['test objects regardless of key order', { a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }], { a: { x: 1, y: 2 } }],
    ['add null value', { a: 1 }, [{ op: 'add', path: '/b', value: null }], { a: 1, b: null }],
  ]
  for (const [name, doc, patch, want] of ok) t.same(applyJsonPatch(deepFreeze(doc), deepFreeze(patch)), { ok: true, value: want }, name)

  const bad: [string, Json, Json, 400 | 422][] = [
    ['A.9 test failure', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 422],
    ['A.12 add to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 422],
    ['A.15 string is not a number', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 422],
    ['remove missing', { a: 1 }, [{ op: 'remove', path: '/b' }], 422],
    ['replace missing', { a: 1 }, [{ op: 'replace', path: '/b', value: 2 }], 422],
    ['index past the end', { a: [1] }, [{ op: 'add', path: '/a/2', value: 2 }], 422],
    ['leading zero index', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 422],
    ['move into own child', { a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 422],
    ['not an array', { a: 1 }, { op: 'add', path: '/a', value: 1 }, 400],
    ['unknown op', { a: 1 }, [{ op: 'frobnicate', path: '/a' }], 400],
    ['missing value', { a: 1 }, [{ op: 'add', path: '/b' }], 400],
    ['missing from', { a: 1 }, [{ op: 'copy', path: '/b' }], 400],
    ['bad pointer', { a: 1 }, [{ op: 'remove', path: 'a' }], 400],
  ]
  for (const [name, doc, patch, code] of bad) {
    const r = applyJsonPatch(deepFreeze(doc), deepFreeze(patch))
    t.equal(r.ok, false, name)
    if (!r.ok) t.equal(r.error.code, code, `${name}: ${r.error.message}`)
  }
})

t.test('json patch is atomic and capped', async (t) => {
  const doc = deepFreeze({ a: [1] })
  const r = applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 2 }, { op: 'test', path: '/a/0', value: 9 }])
  t.equal(r.ok, false)
  t.same(doc, { a: [1] })
  const many = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '', value: 1 }))
  const capped = applyJsonPatch(1, many)
  t.equal(capped.ok, false)
  if (!capped.ok) t.match(capped.error.message, /maximum of 10000/)
  t.same(applyJsonPatch(1, many.slice(1)), { ok: true, value: 1 })
  t.equal(applyJsonPatch({}, [{ op: 'add', path: '/a', value: 1 }], { maxOperations: 0 }).ok, false)
})
