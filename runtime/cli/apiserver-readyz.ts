/** One `GET /readyz` against an apiserver on 127.0.0.1, over TLS with the cluster's CA and a bearer token. */
import { request } from 'node:https'

export interface ReadyzProbe {
  readonly caPem: string
  readonly token: string
  readonly timeoutMs: number
}

/** True when the apiserver on `port` answers /readyz with 200 within the timeout. */
export function apiserverReady(port: number, probe: ReadyzProbe): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', method: 'GET', ca: probe.caPem, headers: { authorization: `Bearer ${probe.token}` }, timeout: probe.timeoutMs, agent: false },
      (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      },
    )
    req.on('timeout', () => req.destroy(new Error('readyz timed out')))
    req.on('error', () => resolve(false))
    req.end()
  })
}
