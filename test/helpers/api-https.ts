/**
 * A raw HTTPS request to the apiserver a kubeconfig names, with its CA and bearer token: for
 * what kubectl cannot ask for itself (a meta.k8s.io Table by its Accept header, a body kubectl
 * would refuse to send).
 */
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { parse } from 'yaml'

export interface ApiAnswer {
  readonly status: number
  readonly body: string
}

interface Kubeconfig {
  readonly clusters: { readonly cluster: { readonly server: string; readonly 'certificate-authority-data': string } }[]
  readonly users: { readonly user: { readonly token: string } }[]
}

export function apiRequest(kubeconfig: string, method: string, path: string, options: { readonly body?: Buffer | string; readonly contentType?: string; readonly accept?: string } = {}): Promise<ApiAnswer> {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as Kubeconfig
  const server = new URL(config.clusters[0]!.cluster.server)
  const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64')
  const headers: Record<string, string> = { authorization: `Bearer ${config.users[0]!.user.token}`, 'content-type': options.contentType ?? 'application/json' }
  if (options.accept !== undefined) headers.accept = options.accept
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: server.hostname, port: server.port, method, path, ca, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** What `kubectl get` asks for. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io'
