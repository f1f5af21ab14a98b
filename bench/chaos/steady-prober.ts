/**
 * Something probed from the bench at a steady rate: one request every `intervalMs` (the next one
 * due whether or not the last has answered), each bounded by `timeoutMs`; availability over any
 * window is computed from the requests sent in it. Two kinds of request:
 *
 * - `nodePortGet`: an HTTP GET of a Service through its NodePort, round robin over the given
 *   addresses; a 2xx answer is a success, a refused, cut or timed-out request or another status a
 *   failure.
 * - `apiGet`: an HTTPS GET of the Kubernetes API through the front door, as kubectl would (bearer
 *   token, the cluster's CA, a new connection each time); 200 is a success.
 */
import { get as httpGet, type IncomingMessage } from 'node:http'
import { get as httpsGet } from 'node:https'

interface Sample {
  /** Wall clock when sent. */
  readonly at: number
  readonly ok: boolean
}

export type ProbeRequest = (timeoutMs: number) => Promise<boolean>

export class SteadyProber {
  readonly #samples: Sample[] = []
  readonly #timer: NodeJS.Timeout
  readonly #inFlight = new Set<Promise<void>>()

  constructor(request: ProbeRequest, intervalMs: number, timeoutMs: number) {
    this.#timer = setInterval(() => {
      const at = Date.now()
      const done = request(timeoutMs).then((ok) => void this.#samples.push({ at, ok }))
      this.#inFlight.add(done)
      void done.finally(() => this.#inFlight.delete(done))
    }, intervalMs)
  }

  /** Successes / requests (percent) sent in [from, to], and the counts. */
  availability(from: number, to: number): { percent: number; requests: number; failures: number } {
    const window = this.#samples.filter((s) => s.at >= from && s.at <= to)
    const failures = window.filter((s) => !s.ok).length
    return { percent: window.length === 0 ? Number.NaN : (100 * (window.length - failures)) / window.length, requests: window.length, failures }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await Promise.all(this.#inFlight)
  }
}

/** Resolves whether the answer came and `ok(status)` holds; never rejects. */
function answered(start: (onResponse: (res: IncomingMessage) => void) => ReturnType<typeof httpGet>, ok: (status: number) => boolean): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const req = start((res) => {
      res.resume()
      res.on('end', () => resolve(ok(res.statusCode ?? 0)))
      res.on('error', () => resolve(false))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(false))
  })
}

export function nodePortGet(targets: readonly { host: string; port: number }[]): ProbeRequest {
  let next = 0
  return (timeoutMs) => {
    const target = targets[next++ % targets.length]!
    return answered((cb) => httpGet({ host: target.host, port: target.port, path: '/', timeout: timeoutMs, agent: false }, cb), (s) => s >= 200 && s < 300)
  }
}

export function apiGet(url: string, path: string, token: string, ca: Buffer): ProbeRequest {
  const { hostname, port } = new URL(url)
  return (timeoutMs) =>
    answered((cb) => httpsGet({ host: hostname, port, path, ca, timeout: timeoutMs, agent: false, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, cb), (s) => s === 200)
}
