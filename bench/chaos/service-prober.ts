/**
 * A Service probed through its NodePort at a steady rate from the bench: one HTTP GET every
 * `intervalMs` (the next one due whether or not the last has answered), round robin over the
 * given addresses, each bounded by `timeoutMs`. A 2xx answer is a success; a refused, cut or
 * timed-out request, or another status, a failure. Availability over any window is computed
 * from the requests sent in it.
 */
import { get } from 'node:http'

interface Sample {
  /** Wall clock when sent. */
  readonly at: number
  readonly ok: boolean
}

export class ServiceProber {
  readonly #samples: Sample[] = []
  readonly #timer: NodeJS.Timeout
  readonly #inFlight = new Set<Promise<void>>()
  readonly #targets: readonly { host: string; port: number }[]
  readonly #timeoutMs: number
  #next = 0

  constructor(targets: readonly { host: string; port: number }[], intervalMs: number, timeoutMs: number) {
    this.#targets = targets
    this.#timeoutMs = timeoutMs
    this.#timer = setInterval(() => this.#send(), intervalMs)
  }

  /** Successes / requests (percent) sent in [from, to], and the count. */
  availability(from: number, to: number): { percent: number; requests: number; failures: number } {
    const window = this.#samples.filter((s) => s.at >= from && s.at <= to)
    const failures = window.filter((s) => !s.ok).length
    return { percent: window.length === 0 ? Number.NaN : (100 * (window.length - failures)) / window.length, requests: window.length, failures }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await Promise.all(this.#inFlight)
  }

  #send(): void {
    const target = this.#targets[this.#next++ % this.#targets.length]!
    const at = Date.now()
    const done = new Promise<boolean>((resolve) => {
      const req = get({ host: target.host, port: target.port, path: '/', timeout: this.#timeoutMs, agent: false }, (res) => {
        res.resume()
        res.on('end', () => resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300))
        res.on('error', () => resolve(false))
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(false))
    }).then((ok) => {
      this.#samples.push({ at, ok })
    })
    this.#inFlight.add(done)
    void done.finally(() => this.#inFlight.delete(done))
  }
}
