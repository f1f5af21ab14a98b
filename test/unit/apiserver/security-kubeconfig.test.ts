import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { buildKubeconfig, readKubeconfigText, renderKubeconfig, writeKubeconfig } from '../../../runtime/apiserver/security/kubeconfig.ts'

const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const options = { server: 'https://127.0.0.1:6443', caPem, token: 'tok' }

t.test('buildKubeconfig: cluster with CA data, user with token, context, current-context', async (t) => {
  t.same(buildKubeconfig(options), {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: 'actorkube', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token: 'tok' } }],
    contexts: [{ name: 'actorkube', context: { cluster: 'actorkube', user: 'admin' } }],
    'current-context': 'actorkube',
  })
  const named = buildKubeconfig({ ...options, clusterName: 'c', userName: 'u', contextName: 'x', namespace: 'team' })
  t.same(named.contexts, [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team' } }])
  t.equal(named['current-context'], 'x')
})

t.test('buildKubeconfig: the other apiservers as contexts of their own, sharing CA and user', async (t) => {
  const k = buildKubeconfig({ ...options, alternates: [{ name: 'actorkube-master-2', server: 'https://127.0.0.1:6444' }] })
  t.same(k.clusters.map((c) => [c.name, c.cluster.server]), [['actorkube', 'https://127.0.0.1:6443'], ['actorkube-master-2', 'https://127.0.0.1:6444']])
  t.same(k.contexts[1], { name: 'actorkube-master-2', context: { cluster: 'actorkube-master-2', user: 'admin' } })
  t.equal(k['current-context'], 'actorkube')
  t.throws(() => buildKubeconfig({ ...options, alternates: [{ name: 'x', server: 'http://a' }] }), /https:\/\//)
})

t.test('buildKubeconfig rejects what kubectl could not use', async (t) => {
  t.throws(() => buildKubeconfig({ ...options, server: 'http://127.0.0.1:6443' }), /https:\/\//)
  t.throws(() => buildKubeconfig({ ...options, caPem: 'nope' }), /PEM/)
  t.throws(() => buildKubeconfig({ ...options, token: '' }), /token is empty/)
})

t.test('renderKubeconfig is YAML that reads back', async (t) => {
  const text = renderKubeconfig(options)
  t.match(text, /^apiVersion: v1\nkind: Config\n/)
  t.same(parse(text), buildKubeconfig(options))
  t.same(readKubeconfigText(text), { server: options.server, caPem, token: 'tok', context: 'actorkube' })
  t.throws(() => readKubeconfigText('apiVersion: v1\n'), /no current context/)
})

t.test('writeKubeconfig: mode 0600, parent created, overwritten in place', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-kc-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, '.actorkube', 'kubeconfig')
  await writeKubeconfig(path, options)
  t.equal((await stat(path)).mode & 0o777, 0o600)
  await writeKubeconfig(path, { ...options, token: 'new' })
  t.equal(readKubeconfigText(await readFile(path, 'utf8')).token, 'new')
})
