import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  TokenAuthenticator,
  TokenFileError,
  bearerToken,
  ensureTokenFile,
  formatTokenFile,
  generateToken,
  parseCsvRecord,
  parseTokenFile,
} from '../../../runtime/apiserver/security/tokens.ts'

const tmp = async (t: { teardown: (fn: () => unknown) => void }): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-tokens-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('generateToken: 32 random bytes, base64url', async (t) => {
  const a = generateToken()
  t.match(a, /^[A-Za-z0-9_-]{43}$/)
  t.equal(Buffer.from(a, 'base64url').length, 32)
  t.not(a, generateToken())
})

t.test('CSV records: quoted groups, escaped quotes, unterminated quote', async (t) => {
  t.same(parseCsvRecord('tok,bob,42,"devs,ops"'), ['tok', 'bob', '42', 'devs,ops'])
  t.same(parseCsvRecord('a,"b ""q"" c",'), ['a', 'b "q" c', ''])
  t.throws(() => parseCsvRecord('a,"b'), TokenFileError)
})

t.test('parseTokenFile: kube-apiserver --token-auth-file format', async (t) => {
  const entries = parseTokenFile('# comment\n\ntok1,alice,1,"system:masters,devs"\ntok2,bob,2\r\n tok3 , carol , 3 , ops \n')
  t.same(entries, [
    { token: 'tok1', user: 'alice', uid: '1', groups: ['system:masters', 'devs'] },
    { token: 'tok2', user: 'bob', uid: '2', groups: [] },
    { token: 'tok3', user: 'carol', uid: '3', groups: ['ops'] },
  ])
  t.throws(() => parseTokenFile('tok,bob'), /line 1: expected token,user,uid/)
  t.throws(() => parseTokenFile('\n,bob,1'), /line 2: token is empty/)
  t.throws(() => parseTokenFile('tok,,1'), /line 1: user is empty/)
  t.throws(() => parseTokenFile('tok,a,1\ntok,b,2'), /line 2: duplicate token/)
  t.throws(() => parseTokenFile('tok,"a,1'), /line 1: unterminated quoted field/)
})

t.test('formatTokenFile round-trips', async (t) => {
  const entries = [
    { token: 't1', user: 'admin', uid: 'admin', groups: ['system:masters'] },
    { token: 't2', user: 'we,ird "name"', uid: '', groups: [] },
    { token: 't3', user: 'x', uid: '3', groups: ['a', 'b'] },
  ]
  const text = formatTokenFile(entries)
  t.match(text, /^# token,user,uid/)
  t.match(text, 't1,admin,admin,"system:masters"\n')
  t.same(parseTokenFile(text), entries)
})

t.test('ensureTokenFile: created once (0600) with an admin token, then reused unchanged', async (t) => {
  const dir = await tmp(t)
  const path = join(dir, 'state', 'tokens.csv')
  const first = await ensureTokenFile(path)
  t.equal(first.created, true)
  t.match(first.admin, { user: 'admin', uid: 'admin', groups: ['system:masters'] })
  t.match(first.admin?.token, /^[A-Za-z0-9_-]{43}$/)
  t.equal((await stat(path)).mode & 0o777, 0o600)
  t.equal((await stat(join(dir, 'state'))).mode & 0o777, 0o700)
  const text = await readFile(path, 'utf8')
  const second = await ensureTokenFile(path)
  t.equal(second.created, false)
  t.equal(second.admin?.token, first.admin?.token)
  t.equal(await readFile(path, 'utf8'), text, 'not rewritten')

  await writeFile(path, 'tok,bob,1,devs\n')
  const noAdmin = await ensureTokenFile(path)
  t.equal(noAdmin.admin, undefined, 'an existing file without an admin is left alone')
  t.equal((await ensureTokenFile(join(dir, 'fixed.csv'), () => 'fixed-token')).admin?.token, 'fixed-token')
  await t.rejects(ensureTokenFile(join(dir, 'state')), 'a directory is not a token file')
})

t.test('bearerToken parses Authorization headers', async (t) => {
  t.equal(bearerToken('Bearer abc'), 'abc')
  t.equal(bearerToken('bearer   abc  '), 'abc')
  t.equal(bearerToken(['BEARER abc']), 'abc')
  t.equal(bearerToken('Basic YWJjOmRlZg=='), undefined)
  t.equal(bearerToken('Bearer'), undefined)
  t.equal(bearerToken('Bearer a b'), undefined)
  t.equal(bearerToken(undefined), undefined)
})

t.test('TokenAuthenticator: identity with system:authenticated, or undefined', async (t) => {
  const auth = new TokenAuthenticator([
    { token: 'admin-token', user: 'admin', uid: 'admin', groups: ['system:masters'] },
    { token: 'bob-token', user: 'bob', uid: '2', groups: ['system:authenticated'] },
  ])
  t.same(auth.authenticate('Bearer admin-token'), { user: 'admin', uid: 'admin', groups: ['system:masters', 'system:authenticated'] })
  t.same(auth.authenticate('Bearer bob-token'), { user: 'bob', uid: '2', groups: ['system:authenticated'] })
  t.equal(auth.authenticate('Bearer admin-toke'), undefined, 'a prefix is not the token')
  t.equal(auth.authenticate('Bearer admin-tokenx'), undefined)
  t.equal(auth.authenticate('Bearer nope'), undefined)
  t.equal(auth.authenticate(undefined), undefined)
  t.equal(auth.authenticateToken(''), undefined)
  t.equal(new TokenAuthenticator([]).authenticate('Bearer x'), undefined)

  const dir = await tmp(t)
  const file = join(dir, 't.csv')
  await writeFile(file, 'tok,carol,3,"ops,devs"\n')
  t.same((await TokenAuthenticator.fromFile(file)).authenticate('Bearer tok')?.groups, ['ops', 'devs', 'system:authenticated'])
})
