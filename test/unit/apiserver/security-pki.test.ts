import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import { request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { certificateHosts, ensurePki, normalizeHosts } from '../../../runtime/apiserver/security/pki.ts'

const DAY = 24 * 60 * 60 * 1000
const tmp = async (t: { teardown: (fn: () => unknown) => void }): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'actorkube-pki-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('normalizeHosts: defaults first, DNS lowercased and sorted, then IPs', async (t) => {
  t.same(normalizeHosts(), ['localhost', '127.0.0.1'])
  t.same(normalizeHosts(['Node-1.example', '10.0.0.5', 'localhost', ' ', '::1']), ['localhost', 'node-1.example', '10.0.0.5', '127.0.0.1', '::1'])
})

t.test('first start: CA and server certificate, keys 0600, SANs, chain verifies', async (t) => {
  const dir = join(await tmp(t), 'pki')
  const pki = await ensurePki({ dir, hosts: ['api.example', '10.1.2.3'] })
  t.same(pki.generated, { ca: true, server: true })
  t.same(pki.hosts, ['api.example', 'localhost', '10.1.2.3', '127.0.0.1'])
  t.equal((await stat(dir)).mode & 0o777, 0o700)
  t.equal((await stat(pki.caKeyPath)).mode & 0o777, 0o600)
  t.equal((await stat(pki.keyPath)).mode & 0o777, 0o600)
  t.equal(await readFile(pki.certPath, 'utf8'), pki.certPem)
  t.equal(await readFile(pki.caCertPath, 'utf8'), pki.caCertPem)

  // Checked with Node's own X.509 parser, not the library that made them.
  const ca = new X509Certificate(pki.caCertPem)
  const server = new X509Certificate(pki.certPem)
  t.equal(ca.ca, true)
  t.equal(server.ca, false)
  t.ok(server.checkIssued(ca))
  t.ok(server.verify(ca.publicKey))
  t.ok(ca.verify(ca.publicKey), 'self-signed')
  t.equal(server.subjectAltName, 'DNS:api.example, DNS:localhost, IP Address:10.1.2.3, IP Address:127.0.0.1')
  t.ok(server.checkHost('localhost'))
  t.ok(server.checkIP('127.0.0.1'))
  t.equal(server.checkHost('evil.example'), undefined)
  t.ok(server.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'extended key usage serverAuth')
  t.ok(new Date(ca.validTo).getTime() - Date.now() > 9 * 365 * DAY, 'CA valid ~10 years')
  const serverDays = (new Date(server.validTo).getTime() - Date.now()) / DAY
  t.ok(serverDays > 360 && serverDays < 366, `server certificate valid ~1 year (${serverDays.toFixed(1)} days)`)
  t.equal(pki.serverNotAfter.getTime(), new Date(server.validTo).getTime())
  t.same(certificateHosts(pki.certPem), ['api.example', 'localhost', '10.1.2.3', '127.0.0.1'])
})

t.test('later starts reuse; SAN change or near expiry renews the server certificate only', async (t) => {
  const dir = await tmp(t)
  const first = await ensurePki({ dir })
  const again = await ensurePki({ dir, hosts: ['LOCALHOST'] })
  t.same(again.generated, { ca: false, server: false })
  t.equal(again.certPem, first.certPem)
  t.equal(again.keyPem, first.keyPem)

  const moreHosts = await ensurePki({ dir, hosts: ['10.0.0.7'] })
  t.same(moreHosts.generated, { ca: false, server: true }, 'SANs changed')
  t.equal(moreHosts.caCertPem, first.caCertPem, 'same CA: existing kubeconfigs stay valid')
  t.same(moreHosts.hosts, ['localhost', '10.0.0.7', '127.0.0.1'])
  t.ok(new X509Certificate(moreHosts.certPem).verify(new X509Certificate(first.caCertPem).publicKey))

  const fewer = await ensurePki({ dir })
  t.same(fewer.generated, { ca: false, server: true }, 'a removed SAN renews too')

  const in300Days = () => new Date(Date.now() + 300 * DAY)
  t.same((await ensurePki({ dir, now: in300Days })).generated, { ca: false, server: false }, '65 days left: kept')
  const in340Days = () => new Date(Date.now() + 340 * DAY)
  const renewed = await ensurePki({ dir, now: in340Days })
  t.same(renewed.generated, { ca: false, server: true }, '25 days left: renewed')
  t.ok(renewed.serverNotAfter.getTime() > Date.now() + 700 * DAY)
})

t.test('the CA is regenerated when missing, broken or expiring, and the server cert with it', async (t) => {
  const dir = await tmp(t)
  const first = await ensurePki({ dir })
  const nearCaExpiry = await ensurePki({ dir, now: () => new Date(Date.now() + (10 * 365 - 20) * DAY) })
  t.same(nearCaExpiry.generated, { ca: true, server: true })
  t.not(nearCaExpiry.caCertPem, first.caCertPem)

  await writeFile(join(dir, 'ca.key'), 'garbage')
  const broken = await ensurePki({ dir })
  t.same(broken.generated, { ca: true, server: true })

  await rm(join(dir, 'ca.crt'))
  t.same((await ensurePki({ dir })).generated, { ca: true, server: true }, 'missing CA')
})

t.test('a server certificate that the CA did not sign, or a mismatched key, is replaced', async (t) => {
  const dir = await tmp(t)
  const other = await ensurePki({ dir: join(dir, 'other') })
  const mine = await ensurePki({ dir: join(dir, 'mine') })
  await writeFile(mine.certPath, other.certPem)
  await writeFile(mine.keyPath, other.keyPem)
  const fixed = await ensurePki({ dir: join(dir, 'mine') })
  t.same(fixed.generated, { ca: false, server: true }, 'foreign certificate')
  await writeFile(fixed.keyPath, other.keyPem)
  t.same((await ensurePki({ dir: join(dir, 'mine') })).generated, { ca: false, server: true }, 'key of another certificate')
  await writeFile(fixed.certPath, 'not a pem')
  t.same((await ensurePki({ dir: join(dir, 'mine') })).generated, { ca: false, server: true }, 'garbage certificate')
})

t.test('a TLS client trusting only the CA connects to "localhost" and "127.0.0.1"', async (t) => {
  const pki = await ensurePki({ dir: await tmp(t) })
  const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as AddressInfo).port
  const get = (host: string, servername?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', ca: pki.caCertPem, ...(servername ? { servername } : {}), headers: { host } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      req.end()
    })
  t.equal(await get('127.0.0.1'), 'ok')
  t.equal(await get('localhost', 'localhost'), 'ok')
  await t.rejects(get('other', 'other.example'), /altnames|does not match|Hostname/i)
})
