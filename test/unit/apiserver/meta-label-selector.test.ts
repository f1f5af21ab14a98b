import t from 'tap'
import { labelSelectorFromObject, parseLabelSelector } from '../../../actors/apiserver/meta/label-selector.ts'

t.test('parse: canonical strings (Kubernetes TestSelectorParse)', async (t) => {
  const cases: [string, string][] = [
    ['', ''],
    ['x=a', 'x=a'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    [' x = a , y = b ', 'x=a,y=b'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=,z= ', 'x=,z='],
    ['x= ,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x<1,y', 'x<1,y'],
    ['x==a', 'x==a'],
    ['e in (y,x),f notin (z)', 'e in (x,y),f notin (z)'],
    ['x in (),y', 'x in (),y'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['in in (in)', 'in in (in)'],
    ['a=b,c!=d,e in (x,y),f notin (z),g,!h', 'a=b,c!=d,e in (x,y),f notin (z),g,!h'],
  ]
  for (const [input, want] of cases) {
    const r = parseLabelSelector(input)
    t.ok(r.ok, input)
    if (r.ok) t.equal(r.selector.toString(), want, input)
  }
})

t.test('parse errors', async (t) => {
  const cases: [string, string][] = [
    ['x=a||y=b', 'unable to parse requirement: values[0][x]: Invalid value: "a||y"'],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['key=value 1', "found '1', expected: ',' or 'end of string'"],
    ['invalid=label=value', "found '=', expected: ',' or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['x>a', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['a/b/c=x', 'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist'],
    ['app=a%b', 'unable to parse requirement: values[0][app]: Invalid value: "a%b": a valid label must be an empty string'],
  ]
  for (const [input, want] of cases) {
    const r = parseLabelSelector(input)
    t.notOk(r.ok, input)
    if (!r.ok) t.ok(r.error.includes(want), `${input}: ${r.error}`)
  }
  const r = parseLabelSelector('x=a,y b')
  t.same(r, { ok: false, error: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" })
})

t.test('match (Kubernetes TestSelectorMatches)', async (t) => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['x>1', { x: 'a' }, false],
    ['x!=y', {}, true],
    ['e in (x,y)', { e: 'y' }, true],
    ['e in (x,y)', { e: 'z' }, false],
    ['e in (x,y)', {}, false],
    ['f notin (z)', {}, true],
    ['f notin (z)', { f: 'z' }, false],
    ['x in (),y', { x: '', y: '1' }, true],
    ['a=b,c!=d,e in (x,y),f notin (z),g,!h', { a: 'b', e: 'x', g: '' }, true],
    ['a=b,c!=d,e in (x,y),f notin (z),g,!h', { a: 'b', e: 'x', g: '', h: '1' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
  ]
  for (const [sel, labels, want] of cases) {
    const r = parseLabelSelector(sel)
    t.ok(r.ok, sel)
    if (r.ok) t.equal(r.selector.matches(labels), want, `${sel} on ${JSON.stringify(labels)}`)
  }
})

t.test('metav1.LabelSelector objects', async (t) => {
  const nil = labelSelectorFromObject(null)
  t.ok(nil.ok && nil.selector.nothing && !nil.selector.matches({}), 'nil selects nothing')
  const empty = labelSelectorFromObject({})
  t.ok(empty.ok && empty.selector.empty && empty.selector.matches({ a: 'b' }), 'empty selects everything')
  const r = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'mid'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'team', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  })
  t.ok(r.ok)
  if (!r.ok) return
  t.equal(r.selector.toString(), 'app=web,env notin (prod),!legacy,team,tier in (front,mid)')
  const cases: [Record<string, string>, boolean][] = [
    [{ app: 'web', tier: 'front', team: 'a' }, true],
    [{ app: 'web', tier: 'front', team: 'a', env: 'dev' }, true],
    [{ app: 'web', tier: 'front', team: 'a', env: 'prod' }, false],
    [{ app: 'web', tier: 'back', team: 'a' }, false],
    [{ app: 'web', tier: 'front' }, false],
    [{ app: 'web', tier: 'front', team: 'a', legacy: 'x' }, false],
    [{ app: 'api', tier: 'front', team: 'a' }, false],
  ]
  for (const [labels, want] of cases) t.equal(r.selector.matches(labels), want, JSON.stringify(labels))
  const bad = labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })
  t.same(bad, { ok: false, error: '"Gt" is not a valid label selector operator' })
  const noValues = labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })
  t.same(noValues, { ok: false, error: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty" })
  const existsWithValues = labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })
  t.notOk(existsWithValues.ok)
})
