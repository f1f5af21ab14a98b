/** Encryption at rest: kube-apiserver's EncryptionConfiguration and its k8s:enc:<provider>:v1:<key>: envelope. */
import t from 'tap'
import { createDecipheriv } from 'node:crypto'
import { parseEncryptionConfig, secretsEncryptionDocument } from '../../../../actors/apiserver/encryption/encryption-config.ts'
import { storageTransformer, type CipherPort } from '../../../../actors/apiserver/encryption/storage-transformer.ts'
import { nodeCipher } from '../../../../runtime/apiserver/secret-encryption.ts'

const KEY1 = Uint8Array.from({ length: 32 }, (_, i) => i)
const KEY2 = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1')
const SECRET_KEY = '/registry/core/secrets/default/db'
const PLAIN = new TextEncoder().encode('{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}')

/** node:crypto with counting "random" bytes, so each test's nonces are known. */
function countingCipher(): CipherPort {
  let next = 0
  return { ...nodeCipher, randomBytes: (n) => Uint8Array.from({ length: n }, () => next++ % 256) }
}

const config = (providers: unknown[], resources = ['secrets']) => parseEncryptionConfig({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources, providers }] })
const gcm = (name: string, secret: Uint8Array) => ({ aesgcm: { keys: [{ name, secret: b64(secret) }] } })

t.test('storage-transformer - aesgcm writes Kubernetes’ envelope: prefix, 12-byte nonce, sealed text with the key as AAD', async (t) => {
  const transformer = storageTransformer(config([gcm('key1', KEY1), { identity: {} }]), countingCipher())
  const stored = transformer.toStorage(SECRET_KEY, PLAIN)
  const prefix = 'k8s:enc:aesgcm:v1:key1:'
  t.equal(text(stored.subarray(0, prefix.length)), prefix)
  const nonce = stored.subarray(prefix.length, prefix.length + 12)
  t.same([...nonce], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'the nonce comes from the injected randomness')
  t.notOk(text(stored).includes('aHVudGVyMg'), 'the data is not readable in the stored bytes')
  // Opened independently of the transformer, as kube-apiserver's gcm transformer would.
  const sealed = stored.subarray(prefix.length + 12)
  const d = createDecipheriv('aes-256-gcm', KEY1, nonce)
  d.setAAD(Buffer.from(SECRET_KEY))
  d.setAuthTag(sealed.subarray(sealed.length - 16))
  t.equal(text(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()])), text(PLAIN))
  t.equal(text(transformer.fromStorage(SECRET_KEY, stored)), text(PLAIN), 'round trip')
  t.not(text(transformer.toStorage(SECRET_KEY, PLAIN)), text(stored), 'a fresh nonce per write')
  t.throws(() => transformer.fromStorage('/registry/core/secrets/default/other', stored), 'a value copied under another key does not open (AAD)')
  const tampered = Uint8Array.from(stored)
  tampered[tampered.length - 1]! ^= 1
  t.throws(() => transformer.fromStorage(SECRET_KEY, tampered), 'a tampered value does not open')
})

t.test('storage-transformer - reads: plain values through identity, old keys, other resources untouched', async (t) => {
  const cipher = countingCipher()
  const old = storageTransformer(config([gcm('key1', KEY1)]), cipher)
  const rotated = storageTransformer(config([gcm('key2', KEY2), gcm('key1', KEY1), { identity: {} }]), cipher)
  const byOld = old.toStorage(SECRET_KEY, PLAIN)
  t.equal(text(rotated.fromStorage(SECRET_KEY, byOld)), text(PLAIN), 'a value under the older key still reads')
  t.match(text(rotated.toStorage(SECRET_KEY, PLAIN)), /^k8s:enc:aesgcm:v1:key2:/, 'writes use the first provider')
  t.equal(text(rotated.fromStorage(SECRET_KEY, PLAIN)), text(PLAIN), 'a value stored before encryption reads through identity')
  t.throws(() => old.fromStorage(SECRET_KEY, PLAIN), /not encrypted and the encryption configuration has no identity provider/)
  t.throws(() => storageTransformer(config([gcm('key2', KEY2)]), cipher).fromStorage(SECRET_KEY, byOld), /no configured key decrypts this value/)
  const pod = '/registry/core/pods/default/web'
  t.equal(text(rotated.toStorage(pod, PLAIN)), text(PLAIN), 'resources no rule names are stored plain')
  const identityFirst = storageTransformer(config([{ identity: {} }, gcm('key1', KEY1)]), cipher)
  t.equal(text(identityFirst.toStorage(SECRET_KEY, PLAIN)), text(PLAIN), 'identity first: writes plain (decrypting on the way out)')
  t.equal(text(identityFirst.fromStorage(SECRET_KEY, byOld)), text(PLAIN))
})

t.test('storage-transformer - aescbc and resource names with groups and wildcards', async (t) => {
  const cbc = storageTransformer(config([{ aescbc: { keys: [{ name: 'k', secret: b64(KEY1) }] } }], ['*.*']), countingCipher())
  for (const key of [SECRET_KEY, '/registry/apps/deployments/default/web', '/registry/core/configmaps/kube-system/x']) {
    const stored = cbc.toStorage(key, PLAIN)
    t.match(text(stored), /^k8s:enc:aescbc:v1:k:/, key)
    t.equal(text(cbc.fromStorage(key, stored)), text(PLAIN))
  }
  const apps = storageTransformer(config([gcm('k', KEY1)], ['deployments.apps']), countingCipher())
  t.match(text(apps.toStorage('/registry/apps/deployments/default/web', PLAIN)), /^k8s:enc:aesgcm/)
  t.equal(text(apps.toStorage('/registry/apps/replicasets/default/web', PLAIN)), text(PLAIN))
})

t.test('encryption-config - bad files are refused with the field named', async (t) => {
  const doc = (resources: unknown) => ({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources })
  const cases: [unknown, RegExp][] = [
    [{ kind: 'Nope' }, /kind: expected EncryptionConfiguration/],
    [{ ...doc([]), apiVersion: 'v1' }, /apiVersion/],
    [doc([{ resources: [], providers: [{ identity: {} }] }]), /resources\[0\]\.resources/],
    [doc([{ resources: ['secrets'], providers: [] }]), /resources\[0\]\.providers: at least one/],
    [doc([{ resources: ['secrets'], providers: [{ kms: {} }] }]), /provider kms is not supported/],
    [doc([{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'a', secret: b64(new Uint8Array(10)) }] } }] }]), /keys\[0\]\.secret: key is 10 bytes; aesgcm takes 16, 24, 32/],
    [doc([{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'a', secret: b64(new Uint8Array(16)) }] } }] }]), /aescbc takes 32/],
    [doc([{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'a', secret: 'not base64!' }] } }] }]), /secret: base64 key data is required/],
    [doc([{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'a', secret: b64(KEY1) }, { name: 'a', secret: b64(KEY2) }] } }] }]), /duplicate key name a/],
    [doc([{ resources: ['secrets'], providers: [{ aesgcm: { keys: [] } }] }]), /at least one key/],
  ]
  for (const [input, message] of cases) t.throws(() => parseEncryptionConfig(input), message, String(message))
  const generated = parseEncryptionConfig(secretsEncryptionDocument('key1', KEY1))
  t.same(generated.rules[0]!.providers.map((p) => p.kind), ['aesgcm', 'identity'], 'the generated file: aesgcm, then identity for older values')
})
