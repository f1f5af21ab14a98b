/**
 * The kubelet's read-only HTTP endpoint (Kubernetes' :10255): `/healthz`, `/pods` (a PodList of
 * the pods bound to this host's nodes, as the kubelet sees them) and `/stats` (the container
 * runtime's counts and memory, and pods per node). No authentication: nothing here can change
 * anything, as with the real read-only port.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Pod } from '../../actors/kube/objects.ts'
import type { RuntimeStats } from '../cri/container-runtime.ts'

export interface ReadOnlySource {
  readonly nodes: readonly string[]
  /** Undefined until the kubelet's informer runs. */
  pods(): Pod[] | undefined
  stats(): RuntimeStats
}

export class KubeletReadOnlyServer {
  readonly #server: Server

  private constructor(server: Server) {
    this.#server = server
  }

  static start(host: string, port: number, source: ReadOnlySource): Promise<KubeletReadOnlyServer> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname
      const reply = (status: number, body: unknown) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body)
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text) })
        res.end(text)
      }
      if (req.method !== 'GET') return reply(405, 'method not allowed\n')
      if (path === '/healthz') return reply(200, 'ok')
      const pods = source.pods()
      if (path === '/pods' || path === '/pods/') {
        if (pods === undefined) return reply(503, 'kubelet is starting\n')
        return reply(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: pods })
      }
      if (path === '/stats' || path === '/stats/summary') {
        const perNode = new Map(source.nodes.map((n) => [n, 0]))
        for (const pod of pods ?? []) if (pod.spec.nodeName) perNode.set(pod.spec.nodeName, (perNode.get(pod.spec.nodeName) ?? 0) + 1)
        return reply(200, { runtime: source.stats(), nodes: [...perNode].map(([name, count]) => ({ name, pods: count })) })
      }
      reply(404, `404 page not found\n`)
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve(new KubeletReadOnlyServer(server))
      })
    })
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}
