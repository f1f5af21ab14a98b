import t from 'tap'
import * as fs from '../../../actors/apiserver/meta/field-selector.ts'

t.test('parse (Kubernetes TestSelectorParse examples)', async (t) => {
  const good: [string, string][] = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a=b,c=d', 'a=b,c=d'],
    ['c=d,a=b', 'a=b,c=d'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['spec.nodeName=', 'spec.nodeName='],
    ['x=a\\,b', 'x=a\\,b'],
    ['x=a\\=b\\\\', 'x=a\\=b\\\\'],
    ['metadata.name=x,metadata.namespace!=y,spec.nodeName=,status.phase!=Running', 'metadata.name=x,metadata.namespace!=y,spec.nodeName=,status.phase!=Running'],
  ]
  for (const [input, want] of good) {
    const r = fs.parseFieldSelector(input)
    t.ok(r.ok, input)
    if (r.ok) t.equal(r.selector.toString(), want, input)
  }
  const esc = fs.parseFieldSelector('x=a\\,b')
  t.ok(esc.ok && esc.selector.requirements[0]?.value === 'a,b')
  const bad: [string, string][] = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['x=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['x=a\\b', 'invalid field selector: invalid escape sequence: \\b'],
    ['x=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ]
  for (const [input, want] of bad) t.same(fs.parseFieldSelector(input), { ok: false, error: want }, input)
})

t.test('supported fields and matching', async (t) => {
  const pending = { metadata: { name: 'p1', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } }
  const running = { metadata: { name: 'p2', namespace: 'kube-system' }, spec: { nodeName: 'n1', hostNetwork: true }, status: { phase: 'Running' } }
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['metadata.name=p1', pending, true],
    ['metadata.name=p1', running, false],
    ['spec.nodeName=', pending, true],
    ['spec.nodeName=', running, false],
    ['spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed', running, true],
    ['metadata.namespace!=default', running, true],
    ['metadata.namespace!=default', pending, false],
    ['spec.hostNetwork=false', pending, true],
    ['spec.hostNetwork=true', running, true],
    ['', running, true],
  ]
  for (const [sel, obj, want] of cases) {
    const r = fs.parseFieldSelectorFor(sel, fs.POD_FIELDS)
    t.ok(r.ok, sel)
    if (r.ok) t.equal(fs.matchesFieldSelector(r.selector, obj, fs.POD_FIELDS), want, `${sel} on ${JSON.stringify(obj.metadata)}`)
  }
  t.same(fs.parseFieldSelectorFor('spec.foo=x', fs.POD_FIELDS), { ok: false, error: 'field label not supported: spec.foo' })
  t.same(fs.parseFieldSelectorFor('metadata.name=a,spec.nodeName=x', fs.METADATA_FIELDS), { ok: false, error: 'field label not supported: spec.nodeName' })
  const ev = { metadata: { name: 'e', namespace: 'd' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'd', uid: 'u' }, source: { component: 'kubelet' }, type: 'Normal' }
  const r = fs.parseFieldSelectorFor('involvedObject.name=web,involvedObject.namespace=d,involvedObject.kind=Pod,involvedObject.uid=u,source=kubelet', fs.EVENT_FIELDS)
  t.ok(r.ok && fs.matchesFieldSelector(r.selector, ev, fs.EVENT_FIELDS))
  t.equal(fs.getPath({ a: { b: 3 } }, 'a.b'), '3')
  t.equal(fs.getPath({ a: [1] }, 'a.b'), '')
})
