import t from 'tap'
import { chaosSubject, clusterWildcard, DEFAULT_VERB, parseSubject, subjectFor, subjectMatches, token } from '../../runtime/subjects.ts'

t.test('subjects - subjectFor builds ak.<cluster>.<component>.<instance>.<verb>', async (t) => {
  t.equal(subjectFor('c1', { component: 'echo', instance: 'e1', verb: 'beat' }), 'ak.c1.echo.e1.beat')
  t.equal(subjectFor('prod_2', { component: 'member', instance: 'host-a' }), 'ak.prod_2.member.host-a.in')
  t.equal(DEFAULT_VERB, 'in')
})

t.test('subjects - bad tokens throw a TypeError naming the kind and value', async (t) => {
  const bad = ['a.b', '*', '>', 'a b', '', 'x*', 'é']
  for (const value of bad) {
    t.throws(() => subjectFor(value, { component: 'echo', instance: 'e1' }), new TypeError(`invalid cluster ${JSON.stringify(value)}: use letters, digits, '-' or '_'`), `cluster ${JSON.stringify(value)}`)
    t.throws(() => subjectFor('c1', { component: value, instance: 'e1' }), { name: 'TypeError', message: `invalid component ${JSON.stringify(value)}` + `: use letters, digits, '-' or '_'` })
    t.throws(() => subjectFor('c1', { component: 'echo', instance: value }), { name: 'TypeError', message: /^invalid instance / })
    t.throws(() => subjectFor('c1', { component: 'echo', instance: 'e1', verb: value }), { name: 'TypeError', message: /^invalid verb / })
  }
})

t.test('subjects - token returns the value when it is valid', async (t) => {
  t.equal(token('id', 'Az09-_'), 'Az09-_')
  t.throws(() => token('id', 'a\nb'), TypeError)
})

t.test('subjects - parseSubject inverts subjectFor', async (t) => {
  const address = { component: 'echo', instance: 'e-1', verb: 'in' }
  t.strictSame(parseSubject(subjectFor('c1', address)), { cluster: 'c1', address })
  t.strictSame(parseSubject('ak.c1.member.all.beat'), { cluster: 'c1', address: { component: 'member', instance: 'all', verb: 'beat' } })
})

t.test('subjects - parseSubject rejects what subjectFor could not build', async (t) => {
  const rejects = [
    'ak.c1.echo.e1',
    'ak.c1.echo.e1.in.extra',
    'xk.c1.echo.e1.in',
    'ak.c1.*.e1.in',
    'ak.c1.echo.>.in',
    'ak..echo.e1.in',
    '_INBOX.client.0.1.2',
    '',
  ]
  for (const subject of rejects) t.equal(parseSubject(subject), undefined, JSON.stringify(subject))
})

t.test('subjects - chaosSubject targets one host or all hosts', async (t) => {
  t.equal(chaosSubject('c1', 'h1'), 'ak.c1.chaos.h1.control')
  t.equal(chaosSubject('c1'), 'ak.c1.chaos.all.control')
  t.throws(() => chaosSubject('c1', 'bad.host'), TypeError)
})

t.test('subjects - clusterWildcard covers the whole cluster', async (t) => {
  t.equal(clusterWildcard('c1'), 'ak.c1.>')
  t.ok(subjectMatches(clusterWildcard('c1'), 'ak.c1.echo.e1.in'))
  t.notOk(subjectMatches(clusterWildcard('c1'), 'ak.c2.echo.e1.in'))
  t.throws(() => clusterWildcard('*'), TypeError)
})

t.test('subjects - subjectMatches follows NATS wildcard rules', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['ak.c1.echo.e1.in', 'ak.c1.echo.e1.in', true],
    ['ak.c1.echo.e1.in', 'ak.c1.echo.e2.in', false],
    ['ak.c1.*.e1.in', 'ak.c1.echo.e1.in', true],
    ['ak.c1.*.*.*', 'ak.c1.echo.e1.in', true],
    ['ak.c1.*', 'ak.c1.echo.e1.in', false],
    ['ak.c1.*.e1.in', 'ak.c1.e1.in', false],
    ['ak.>', 'ak.c1.echo.e1.in', true],
    ['ak.c1.echo.e1.>', 'ak.c1.echo.e1.in', true],
    ['ak.c1.echo.e1.in.>', 'ak.c1.echo.e1.in', false], // '>' needs at least one token
    ['>', 'anything.at.all', true],
    ['*', 'one', true],
    ['*', 'one.two', false],
    ['ak.c1.echo', 'ak.c1.echo.e1.in', false], // pattern shorter
    ['ak.c1.echo.e1.in.x', 'ak.c1.echo.e1.in', false], // pattern longer
    ['ak.*.echo.>', 'ak.c9.echo.x.y', true],
    ['ak.*.echo.>', 'ak.c9.member.x.y', false],
  ]
  for (const [pattern, subject, want] of cases) t.equal(subjectMatches(pattern, subject), want, `${pattern} ~ ${subject}`)
})
