/**
 * Security at the edge, judged by the real kubectl: a minimal node:https server in this process
 * serves the generated certificate, authenticates bearer tokens from the generated token file
 * and authorizes with the policy; kubectl connects through the generated kubeconfig
 * (certificate-authority-data + token). Skipped only when kubectl is not on PATH.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { authorize, forbiddenStatus, type RequestAttributes } from '../../actors/apiserver/authz/policy.ts'
import { writeKubeconfig } from '../../runtime/apiserver/security/kubeconfig.ts'
import { ensurePki } from '../../runtime/apiserver/security/pki.ts'
import { parsePolicyYaml } from '../../runtime/apiserver/security/policy-file.ts'
import { TokenAuthenticator, ensureTokenFile, formatTokenFile, parseTokenFile } from '../../runtime/apiserver/security/tokens.ts'

const kubectlOnPath = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v kubectl'], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
})()

if (!kubectlOnPath) {
  t.plan(0, 'kubectl is not on PATH: the apiserver TLS/token test needs the real kubectl')
} else {
  await main()
}

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-tls-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))

  const pki = await ensurePki({ dir: join(dir, 'pki') })
  const tokens = await ensureTokenFile(join(dir, 'tokens.csv'))
  const admin = tokens.admin
  if (admin === undefined) throw new Error('no admin token')
  // A second, unprivileged user, as an operator would add one to the file.
  const bobToken = 'bob-token-0123456789'
  await writeFile(tokens.path, formatTokenFile([...tokens.entries, { token: bobToken, user: 'bob', uid: 'bob', groups: ['devs'] }]))
  const auth = await TokenAuthenticator.fromFile(tokens.path)
  const policy = parsePolicyYaml(
    [
      'roles:',
      '  - name: pod-reader',
      '    namespace: team',
      '    rules: [{verbs: [get, list, watch], apiGroups: [""], resources: [pods]}]',
      'roleBindings:',
      '  - name: devs-read-pods',
      '    namespace: team',
      '    roleRef: {kind: Role, name: pod-reader}',
      '    subjects: [{kind: Group, name: devs}]',
    ].join('\n'),
    'test-policy',
  )

  const seen: { method: string; path: string; bearer: boolean }[] = []
  const send = (res: import('node:http').ServerResponse, code: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  const status = (code: number, reason: string, message: string) => ({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code,
  })
  // Just enough request-info parsing for this test: /api/v1/namespaces/NS/RESOURCE[/NAME].
  const attributesOf = (method: string, path: string): RequestAttributes => {
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(path)
    const verb = method === 'GET' ? 'get' : method.toLowerCase()
    if (m === null) return { verb, path }
    const [, namespace, resource = '', name] = m
    return { verb: verb === 'get' && name === undefined ? 'list' : verb, apiGroup: '', resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) }
  }

  const server: Server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname
    seen.push({ method: req.method ?? '', path, bearer: typeof req.headers.authorization === 'string' })
    const who = auth.authenticate(req.headers.authorization)
    if (who === undefined) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'))
    const attrs = attributesOf(req.method ?? 'GET', path)
    const decision = authorize(policy, who, attrs)
    if (!decision.allowed) return send(res, 403, forbiddenStatus(who, attrs))
    if (path === '/version') {
      return send(res, 200, {
        major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: 'actorkube', gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64',
      })
    }
    if (path === '/api') {
      return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] })
    }
    if (path === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] })
    if ('resource' in attrs && attrs.resource === 'pods') {
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] })
    }
    return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`

  const kubeconfigFor = async (name: string, token: string): Promise<string> => {
    const path = join(dir, name, 'kubeconfig')
    await writeKubeconfig(path, { server: url, caPem: pki.caCertPem, token })
    return path
  }
  const adminKc = await kubeconfigFor('admin', admin.token)
  const wrongKc = await kubeconfigFor('wrong', 'not-a-token')
  const bobKc = await kubeconfigFor('bob', bobToken)

  const kubectl = (kubeconfig: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> =>
    new Promise((resolve) => {
      const withFiles = kubeconfig === '' ? args : ['--kubeconfig', kubeconfig, ...args]
      const child = execFile('kubectl', ['--cache-dir', join(dir, 'cache'), ...withFiles], { env, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1
        resolve({ code, stdout: String(stdout), stderr: String(stderr) })
      })
      // kubectl prompts for a username when the kubeconfig user has no credentials: no terminal here.
      child.stdin?.end()
    })
  const show = (r: Run): string => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`

  t.test('kubectl version -o json: serverVersion from our /version, over verified TLS with the token', async (t) => {
    const r = await kubectl(adminKc, ['version', '-o', 'json'])
    t.comment(`observed: ${show(r)}`)
    t.equal(r.code, 0, show(r))
    const out = JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string }; serverVersion?: { major: string; minor: string; gitVersion: string } }
    t.match(out.serverVersion, { major: '1', minor: '32', gitVersion: 'v1.32.0' })
    t.match(out.clientVersion?.gitVersion, /^v1\.32\./, 'the client is kubectl 1.32')
    t.ok(seen.some((s) => s.path === '/version' && s.bearer), 'the bearer token reached the server')
  })

  t.test('kubectl get --raw /version', async (t) => {
    const r = await kubectl(adminKc, ['get', '--raw', '/version'])
    t.comment(`observed: ${show(r)}`)
    t.equal(r.code, 0, show(r))
    t.match(JSON.parse(r.stdout), { major: '1', minor: '32', gitVersion: 'v1.32.0' })
  })

  t.test('the contract: KUBECONFIG=<file> kubectl works without --kubeconfig', async (t) => {
    const r = await kubectl('', ['get', '--raw', '/version'], { ...process.env, KUBECONFIG: adminKc })
    t.equal(r.code, 0, show(r))
    t.match(JSON.parse(r.stdout), { gitVersion: 'v1.32.0' })
  })

  t.test('a wrong token: "You must be logged in to the server (Unauthorized)"', async (t) => {
    const before = seen.length
    const r = await kubectl(wrongKc, ['get', '--raw', '/version'])
    t.comment(`observed: ${show(r)}`)
    t.not(r.code, 0)
    t.match(r.stderr, 'error: You must be logged in to the server (Unauthorized)')
    t.ok(seen.slice(before).every((s) => s.bearer), 'the (wrong) token was sent')
    const v = await kubectl(wrongKc, ['version', '-o', 'json'])
    t.comment(`observed: ${show(v)}`)
    t.not(v.code, 0)
    // kubectl version reads /version through the discovery client, which words a 401 the way
    // it does against a real kube-apiserver; the client half is still printed.
    t.match(v.stderr, 'error: You must be logged in to the server (the server has asked for the client to provide credentials)')
    t.notOk((JSON.parse(v.stdout) as { serverVersion?: unknown }).serverVersion, 'no serverVersion')
  })

  t.test('no token: the server answers 401 Status; kubectl (no credentials at all) prompts instead', async (t) => {
    const { request } = await import('node:https')
    const res = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${url}/version`, { ca: pki.caCertPem }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end()
    })
    t.equal(res.code, 401)
    t.same(JSON.parse(res.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 })

    // A kubeconfig user without a token makes kubectl ask for a username: kubeconfigs we
    // write must always carry the token.
    const path = join(dir, 'anon', 'kubeconfig')
    await writeKubeconfig(path, { server: url, caPem: pki.caCertPem, token: 'x' })
    const text = await readFile(path, 'utf8')
    await writeFile(path, text.replace(/\n\s*user:\n\s*token: x\n/, '\n    user: {}\n'))
    const r = await kubectl(path, ['get', '--raw', '/version'])
    t.comment(`observed: ${show(r)}`)
    t.not(r.code, 0)
    t.match(r.stdout, 'Please enter Username:')
  })

  t.test('a CA that did not sign the server certificate: kubectl refuses the connection', async (t) => {
    const other = await ensurePki({ dir: join(dir, 'other-pki') })
    const path = join(dir, 'badca', 'kubeconfig')
    await writeKubeconfig(path, { server: url, caPem: other.caCertPem, token: admin.token })
    const r = await kubectl(path, ['get', '--raw', '/version'])
    t.comment(`observed: ${show(r)}`)
    t.not(r.code, 0)
    t.match(r.stderr, /certificate signed by unknown authority|x509/)
  })

  t.test('authorization: bob may list pods in "team" but not in "default"', async (t) => {
    const ok = await kubectl(bobKc, ['get', '--raw', '/api/v1/namespaces/team/pods'])
    t.comment(`observed: ${show(ok)}`)
    t.equal(ok.code, 0, show(ok))
    t.match(JSON.parse(ok.stdout), { kind: 'PodList' })
    const denied = await kubectl(bobKc, ['get', '--raw', '/api/v1/namespaces/default/pods'])
    t.comment(`observed: ${show(denied)}`)
    t.not(denied.code, 0)
    t.match(
      denied.stderr,
      'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"',
    )
    const nodes = await kubectl(bobKc, ['get', '--raw', '/api/v1/nodes'])
    t.comment(`observed: ${show(nodes)}`)
    t.match(nodes.stderr, 'Error from server (Forbidden): nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope')
    const admin = await kubectl(adminKc, ['get', '--raw', '/api/v1/namespaces/default/pods'])
    t.equal(admin.code, 0, `system:masters may: ${show(admin)}`)
  })

  t.test('the token file on disk is kube-apiserver format and round-trips', async (t) => {
    const entries = parseTokenFile(await readFile(tokens.path, 'utf8'))
    t.match(entries[0], { user: 'admin', uid: 'admin', groups: ['system:masters'] })
  })
}
