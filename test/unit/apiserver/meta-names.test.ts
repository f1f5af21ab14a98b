import t from 'tap'
import * as n from '../../../actors/apiserver/meta/names.ts'
import { FieldPath } from '../../../actors/apiserver/field-errors.ts'
import { seededRandom } from '../../../runtime/random.ts'

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".replace(',  or', ', or')
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".replace(',  or', ', or')
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".replaceAll(',  or', ', or')
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".replaceAll(',  or', ', or')

t.test('regexError formatting', async (t) => {
  t.equal(n.regexError('m', 'f'), "m (regex used for validation is 'f')")
  t.equal(n.regexError('m', 'f', 'a', 'b'), "m (e.g. 'a', or 'b', regex used for validation is 'f')")
})

t.test('DNS-1123 subdomain (Kubernetes test cases)', async (t) => {
  const good = ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'a-1.a', '0.a', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)]
  for (const v of good) t.same(n.isDNS1123Subdomain(v), [], v.slice(0, 20))
  const bad = ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A', 'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b']
  for (const v of bad) t.same(n.isDNS1123Subdomain(v), [SUBDOMAIN_MSG], JSON.stringify(v))
  t.same(n.isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters'])
})

t.test('DNS-1123 label and DNS-1035 label', async (t) => {
  for (const v of ['a', 'ab', 'a1', 'a-1', '0', '1a', 'a'.repeat(63)]) t.same(n.isDNS1123Label(v), [], v)
  t.same(n.isDNS1123Label('a.b'), ['must not contain dots'])
  t.same(n.isDNS1123Label('A'), [LABEL_MSG])
  t.same(n.isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters'])
  for (const v of ['a', 'ab', 'a1', 'a-1', 'a--1--2--b']) t.same(n.isDNS1035Label(v), [], v)
  for (const v of ['0', '1a', 'a.b', 'A', '-a', 'a-']) t.same(n.isDNS1035Label(v), [DNS1035_MSG], v)
})

t.test('qualified names (label keys) and label values', async (t) => {
  const good = ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', 'a'.repeat(63), 'a'.repeat(253) + '/' + 'b'.repeat(63)]
  for (const v of good) t.same(n.isQualifiedName(v), [], v.slice(0, 30))
  t.same(n.isQualifiedName('nospecialchars%^=@'), [`name part ${QNAME_MSG}`])
  t.same(n.isQualifiedName('/simple'), ['prefix part must be non-empty'])
  t.same(n.isQualifiedName('example.com/'), ['name part must be non-empty', `name part ${QNAME_MSG}`])
  t.same(n.isQualifiedName('Example.com/x'), [`prefix part ${SUBDOMAIN_MSG}`])
  t.same(n.isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters'])
  t.equal(n.isQualifiedName('a/b/c')[0]?.startsWith('a qualified name must consist of'), true)
  t.match(n.isQualifiedName('a/b/c')[0], /with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/)
  for (const v of ['', 'simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), 'Uppercase_Is_OK_123']) t.same(n.isValidLabelValue(v), [], v)
  for (const v of ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.']) t.same(n.isValidLabelValue(v), [VALUE_MSG], v)
  t.same(n.isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters'])
})

t.test('name functions with generateName prefixes', async (t) => {
  t.same(n.nameIsDNSSubdomain('web-', true), [])
  t.same(n.nameIsDNSSubdomain('web-', false), [SUBDOMAIN_MSG])
  t.same(n.nameIsDNSLabel('a.b', false), ['must not contain dots'])
  t.same(n.validatePathSegmentName('..', false), ["may not be '..'"])
  t.same(n.validatePathSegmentName('a/b%c', false), ["may not contain '/'", "may not contain '%'"])
  t.same(n.validatePathSegmentName('ok', false), [])
})

t.test('validateLabels / validateAnnotations field errors', async (t) => {
  const p = FieldPath.root('metadata').child('labels')
  t.same(n.validateLabels({ app: 'web', 'example.com/tier': 'front' }, p), [])
  t.same(n.validateLabels({ 'bad key': 'x' }, p), [{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad key": name part ${QNAME_MSG}` }])
  t.same(n.validateLabels({ app: 'a b' }, p), [{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "a b": ${VALUE_MSG}` }])
  const a = FieldPath.root('metadata').child('annotations')
  t.same(n.validateAnnotations({ 'Example.com/Key': 'v', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, a), [], 'annotation keys are case-insensitive')
  t.same(n.validateAnnotations({ 'a/b/c': 'v' }, a).length, 1)
  const half = 'x'.repeat(128 * 1024)
  t.same(n.validateAnnotations({ a: half, b: half.slice(2) }, a), [], 'exactly 256 KiB incl. keys is fine')
  t.same(n.validateAnnotations({ a: half, b: half.slice(1) }, a), [{ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' }])
  t.equal(n.annotationsSize({ 'é': 'ü' }), 4, 'counted in UTF-8 bytes')
})

t.test('generateName', async (t) => {
  const seq = (...xs: number[]) => {
    let i = 0
    return () => xs[i++ % xs.length] ?? 0
  }
  t.equal(n.generateName('web-', seq(0)), 'web-bbbbb')
  t.equal(n.generateName('web-', seq(0.999999)), 'web-99999')
  t.equal(n.generateName('x-', seq(0, 1.5 / 27, 2.5 / 27, 26.5 / 27, 0.5)), 'x-bcd9r')
  const long = 'a'.repeat(70)
  const g = n.generateName(long, seq(0.3))
  t.equal(g.length, 63)
  t.equal(g.slice(0, 58), 'a'.repeat(58))
  // Many draws of one fixed stream: every generated name is valid, and the run is the same each time.
  const random = seededRandom(1)
  const invalid = Array.from({ length: 200 }, () => n.generateName('pod-', random)).filter((name) => n.isDNS1123Subdomain(name).length > 0)
  t.same(invalid, [], 'generated names are DNS-1123 subdomains')
})
