/** Service account token claims (token-claims.ts) and their JWS framing (jwt.ts), on a simulated clock. */
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { base64UrlOf, bytesOfBase64Url, parseJws, signJws, verifyJws } from '../../../../actors/apiserver/serviceaccount/jwt.ts'
import { boundTokenClaims, checkClaims, CLOCK_LEEWAY_SECONDS, DEFAULT_ISSUER, legacyTokenClaims } from '../../../../actors/apiserver/serviceaccount/token-claims.ts'
import { serviceAccountKeys } from '../../../../runtime/apiserver/security/service-account-key.ts'

const NOW = Date.parse('2026-12-06T15:00:00Z')
const SA = { name: 'robot', uid: 'sa-uid' }
const check = (now: number) => ({ issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], now })
const claims = (extra: Partial<Parameters<typeof boundTokenClaims>[0]> = {}) =>
  boundTokenClaims({ issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], namespace: 'ci', serviceAccount: SA, now: NOW, expirationSeconds: 600, id: 'jti-1', ...extra })
const keys = () => serviceAccountKeys(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)

t.test('claims - a bound token says who, for whom, until when', async (t) => {
  const c = claims({ boundTo: { kind: 'Pod', name: 'web-0', uid: 'pod-uid' } })
  const issued = NOW / 1000
  t.same(c, {
    aud: [DEFAULT_ISSUER],
    exp: issued + 600,
    iat: issued,
    iss: DEFAULT_ISSUER,
    jti: 'jti-1',
    'kubernetes.io': { namespace: 'ci', pod: { name: 'web-0', uid: 'pod-uid' }, serviceaccount: SA },
    nbf: issued,
    sub: 'system:serviceaccount:ci:robot',
  })
  t.same(checkClaims(c, check(NOW)), { ok: true, claims: { namespace: 'ci', serviceAccount: SA, pod: { name: 'web-0', uid: 'pod-uid' } } })
})

t.test('claims - expiry, not-before and issue time hold within the leeway', async (t) => {
  const c = claims()
  const expiry = (NOW / 1000 + 600 + CLOCK_LEEWAY_SECONDS) * 1000
  t.equal(checkClaims(c, check(expiry)).ok, true, 'at exp + leeway still valid')
  t.same(checkClaims(c, check(expiry + 1000)), { ok: false, reason: 'token has expired' })
  t.same(checkClaims(c, check(NOW - (CLOCK_LEEWAY_SECONDS + 1) * 1000)), { ok: false, reason: 'token is not valid yet' })
  t.same(checkClaims({ ...c, exp: undefined }, check(NOW)), { ok: false, reason: 'token has no expiry' })
})

t.test('claims - issuer, audience and subject must match', async (t) => {
  const c = claims()
  t.same(checkClaims({ ...c, iss: 'https://elsewhere' }, check(NOW)), { ok: false, reason: 'token issuer is not trusted' })
  t.same(checkClaims({ ...c, aud: ['vault'] }, check(NOW)), { ok: false, reason: 'token audiences are not accepted' })
  t.equal(checkClaims({ ...c, aud: DEFAULT_ISSUER }, check(NOW)).ok, true, 'a single audience string')
  t.same(checkClaims({ ...c, sub: 'system:serviceaccount:ci:admin' }, check(NOW)), { ok: false, reason: 'token subject does not match its service account' })
  t.same(checkClaims({ ...c, 'kubernetes.io': {} }, check(NOW)), { ok: false, reason: 'token names no service account' })
})

t.test('claims - a legacy Secret token never expires and names its secret', async (t) => {
  const c = legacyTokenClaims('ci', SA, 'robot-token')
  t.same(checkClaims(c, check(NOW + 10 * 365 * 86_400_000)), { ok: true, claims: { namespace: 'ci', serviceAccount: SA, legacySecretName: 'robot-token' } })
  t.same(checkClaims({ ...c, sub: 'system:serviceaccount:ci:x' }, check(NOW)).ok, false)
})

t.test('jws - signed with ES256, checked by the same key only; tampering and alg none fail', async (t) => {
  const a = keys()
  const b = keys()
  const token = signJws(claims(), a.signer)
  const parsed = parseJws(token)
  t.match(parsed, { ok: true, header: { alg: 'ES256', kid: a.signer.keyId } })
  t.same(verifyJws(token, a.verifier), { ok: true, payload: claims() })
  t.same(verifyJws(token, b.verifier), { ok: false, reason: 'invalid signature' }, 'another cluster’s key')
  const [head, , sig] = token.split('.')
  const forged = `${head}.${base64UrlOf(new TextEncoder().encode(JSON.stringify({ ...claims(), sub: 'system:serviceaccount:kube-system:admin' })))}.${sig}`
  t.same(verifyJws(forged, a.verifier), { ok: false, reason: 'invalid signature' }, 'a changed payload')
  const none = `${base64UrlOf(new TextEncoder().encode('{"alg":"none"}'))}.${token.split('.')[1]}.`
  t.same(verifyJws(none, a.verifier), { ok: false, reason: 'unsigned token' }, 'alg none')
  t.same(verifyJws('a.b', a.verifier), { ok: false, reason: 'not a compact JWS' })
  t.same(verifyJws('e30.e30.e30', a.verifier), { ok: false, reason: 'malformed JWS header' }, 'no alg')
  t.same(verifyJws(`${head}.!!!.${sig}`, a.verifier), { ok: false, reason: 'malformed JWS payload' })
})

t.test('jws - base64url round trip over every byte value', async (t) => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
  const text = base64UrlOf(bytes)
  t.notMatch(text, /[+/=]/)
  t.same(bytesOfBase64Url(text), bytes)
  t.equal(bytesOfBase64Url('a'), undefined, 'an impossible length')
})
