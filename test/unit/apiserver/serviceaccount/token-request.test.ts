/**
 * TokenRequest (serviceaccounts/<name>/token) through handle(), and the tokens it issues through
 * the authenticator (token-authenticator.ts), on a simulated clock: valid, then expired,
 * tampered, revoked with the account or the pod they are bound to.
 */
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { handle } from '../../../../actors/apiserver/handle.ts'
import { authenticateServiceAccountToken } from '../../../../actors/apiserver/serviceaccount/token-authenticator.ts'
import { DEFAULT_ISSUER } from '../../../../actors/apiserver/serviceaccount/token-claims.ts'
import { encodeProtobufObject, PROTOBUF_CONTENT_TYPE, decodeProtobufObject } from '../../../../actors/apiserver/protobuf/codec.ts'
import { serviceAccountKeys } from '../../../../runtime/apiserver/security/service-account-key.ts'
import { bodyOf, cluster, NOW, pod, request } from '../memory-objects.ts'

const keys = serviceAccountKeys(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
const SAS = '/api/v1/namespaces/default/serviceaccounts'
const tokenRequest = (spec: Record<string, unknown> = {}) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec })

async function setup() {
  let now = NOW
  const base = await cluster(handle)
  const ports = { ...base, now: () => now, serviceAccountTokens: { signer: keys.signer, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] } }
  const call = async (method: string, path: string, body?: unknown) => bodyOf(await handle(request(method, path, body === undefined ? {} : { body }), ports))
  const authenticate = (token: string) => authenticateServiceAccountToken(token, { verifier: keys.verifier, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], objects: ports.objects, now: () => now })
  return { ports, call, authenticate, advance: (ms: number) => void (now += ms) }
}

t.test('token request - issues a token that authenticates as the account until it expires', async (t) => {
  const { call, authenticate, advance } = await setup()
  t.equal((await call('POST', SAS, { metadata: { name: 'robot' } })).status, 201)
  const issued = await call('POST', `${SAS}/robot/token`, tokenRequest({ expirationSeconds: 600 }))
  t.equal(issued.status, 201)
  t.match(issued.body, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: 'robot', namespace: 'default' },
    spec: { audiences: [DEFAULT_ISSUER], expirationSeconds: 600 },
    status: { expirationTimestamp: new Date(NOW + 600_000).toISOString().replace('.000Z', 'Z') },
  })
  const token: string = issued.body.status.token
  t.same(await authenticate(token), { ok: true, identity: { user: 'system:serviceaccount:default:robot', uid: 'uid-2', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] } })
  advance(600_000 + 60_000)
  t.equal((await authenticate(token)).ok, true, 'within the clock leeway')
  advance(1000)
  t.same(await authenticate(token), { ok: false, reason: 'token has expired' })
})

t.test('token request - a tampered token and a deleted or recreated account are refused', async (t) => {
  const { call, authenticate } = await setup()
  await call('POST', SAS, { metadata: { name: 'robot' } })
  const token: string = (await call('POST', `${SAS}/robot/token`, tokenRequest())).body.status.token
  const [head, payload, sig] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
  const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url')}.${sig}`
  t.same(await authenticate(forged), { ok: false, reason: 'invalid signature' })
  t.equal((await call('DELETE', `${SAS}/robot`)).status, 200)
  t.same(await authenticate(token), { ok: false, reason: 'serviceaccount robot not found' })
  await call('POST', SAS, { metadata: { name: 'robot' } })
  t.match(await authenticate(token), { ok: false, reason: /serviceaccount robot has been recreated/ }, 'the new account has another uid')
})

t.test('token request - a token bound to a pod dies with the pod', async (t) => {
  const { call, authenticate } = await setup()
  await call('POST', SAS, { metadata: { name: 'robot' } })
  const web = await call('POST', '/api/v1/namespaces/default/pods', { ...pod('web'), spec: { ...pod('web').spec, serviceAccountName: 'robot' } })
  t.equal(web.status, 201)
  const bound = await call('POST', `${SAS}/robot/token`, tokenRequest({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: web.body.metadata.uid } }))
  t.equal(bound.status, 201)
  const claims = JSON.parse(Buffer.from(bound.body.status.token.split('.')[1], 'base64url').toString())
  t.same(claims['kubernetes.io'].pod, { name: 'web', uid: web.body.metadata.uid })
  t.equal((await authenticate(bound.body.status.token)).ok, true)
  await call('DELETE', '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0')
  t.same(await authenticate(bound.body.status.token), { ok: false, reason: 'pod web not found' })
})

t.test('token request - refusals: short durations, unknown accounts, foreign pods, other kinds', async (t) => {
  const { call } = await setup()
  await call('POST', SAS, { metadata: { name: 'robot' } })
  const short = await call('POST', `${SAS}/robot/token`, tokenRequest({ expirationSeconds: 60 }))
  t.same([short.status, short.body.message], [422, 'TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds'])
  const missing = await call('POST', `${SAS}/ghost/token`, tokenRequest())
  t.same([missing.status, missing.body.message], [404, 'serviceaccounts "ghost" not found'])
  await call('POST', '/api/v1/namespaces/default/pods', pod('plain'))
  const foreign = await call('POST', `${SAS}/robot/token`, tokenRequest({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'plain' } }))
  t.same([foreign.status, foreign.body.message], [400, 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.'])
  const node = await call('POST', `${SAS}/robot/token`, tokenRequest({ boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1' } }))
  t.equal(node.status, 400)
  await call('POST', SAS, { metadata: { name: 'default' } })
  const stale = await call('POST', `${SAS}/default/token`, tokenRequest({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'plain', uid: 'not-its-uid' } }))
  t.equal(stale.status, 409)
  t.equal((await call('GET', `${SAS}/robot/token`)).status, 405)
})

t.test('token request - kubectl’s protobuf body gets a protobuf-encodable answer', async (t) => {
  const { ports } = await setup()
  await handle(request('POST', SAS, { body: { metadata: { name: 'robot' } } }), ports)
  const body = encodeProtobufObject({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { expirationSeconds: 3600 } })
  t.ok(body, 'TokenRequest has a protobuf schema')
  const answer = bodyOf(await handle(request('POST', `${SAS}/robot/token`, { body: body!, contentType: PROTOBUF_CONTENT_TYPE }), ports))
  t.equal(answer.status, 201)
  const encoded = encodeProtobufObject(answer.body)
  const decoded = decodeProtobufObject(encoded!)
  t.match(decoded, { ok: true, value: { kind: 'TokenRequest', status: { token: answer.body.status.token, expirationTimestamp: answer.body.status.expirationTimestamp }, spec: { expirationSeconds: 3600 } } })
})

t.test('token request - an apiserver without a signing key does not serve the subresource (404)', async (t) => {
  const ports = await cluster(handle)
  await handle(request('POST', SAS, { body: { metadata: { name: 'robot' } } }), ports)
  t.match(bodyOf(await handle(request('POST', `${SAS}/robot/token`, { body: tokenRequest() }), ports)), { status: 404, body: { reason: 'NotFound', message: /could not find the requested resource/ } })
})

t.test('legacy token secrets - filled in at create; valid while the secret holds the token and the account exists', async (t) => {
  const { call, authenticate, advance } = await setup()
  const secrets = '/api/v1/namespaces/default/secrets'
  const tokenSecret = (name: string, account: string) => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name, annotations: { 'kubernetes.io/service-account.name': account } } })
  await call('POST', SAS, { metadata: { name: 'robot' } })
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'kube-system' } })
  await call('POST', '/api/v1/namespaces/kube-system/configmaps', { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } })
  const created = await call('POST', secrets, tokenSecret('robot-token', 'robot'))
  t.equal(created.status, 201)
  t.match(created.body.metadata.annotations, { 'kubernetes.io/service-account.uid': 'uid-2' })
  t.same(Object.keys(created.body.data).sort(), ['ca.crt', 'namespace', 'token'])
  t.equal(Buffer.from(created.body.data['ca.crt'], 'base64').toString(), 'PEM')
  const token = Buffer.from(created.body.data.token, 'base64').toString()
  t.match(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()), { iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/secret.name': 'robot-token', sub: 'system:serviceaccount:default:robot' })
  advance(365 * 86_400_000)
  t.match(await authenticate(token), { ok: true, identity: { user: 'system:serviceaccount:default:robot' } }, 'no expiry')
  await call('DELETE', `${secrets}/robot-token`)
  t.same(await authenticate(token), { ok: false, reason: 'secret default/robot-token not found' })
  const orphan = await call('POST', secrets, tokenSecret('ghost-token', 'ghost'))
  t.equal(orphan.status, 201)
  t.equal(orphan.body.data, undefined, 'no account, no token')
})
