/**
 * Kubernetes' three probe handlers against a process container: httpGet and tcpSocket to the
 * pod's own address, exec as a process with the container's environment and working directory.
 */
import { spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect } from 'node:net'
import type { ContainerPort, Probe } from '../../../actors/kube/objects.ts'
import { killGroup } from './kill-group.ts'

export interface ProbeTarget {
  readonly podIP: string
  readonly ports: readonly ContainerPort[]
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
}

export interface ProbeResult {
  ok: boolean
  message?: string
}

export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000
  if (probe.exec) return execProbe(probe.exec.command ?? [], target, timeoutMs)
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, target.ports)
    if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${JSON.stringify(probe.httpGet.port)}` })
    return httpProbe(probe.httpGet.host || target.podIP, port, probe.httpGet.path ?? '/', probe.httpGet.scheme === 'HTTPS', timeoutMs)
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.ports)
    if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${JSON.stringify(probe.tcpSocket.port)}` })
    return tcpProbe(probe.tcpSocket.host || target.podIP, port, timeoutMs)
  }
  return Promise.resolve({ ok: false, message: 'the probe has no handler (exec, httpGet or tcpSocket)' })
}

/** A number, a numeric string, or the name of one of the container's ports. */
export function resolvePort(port: number | string, ports: readonly ContainerPort[]): number | undefined {
  if (typeof port === 'number') return port
  if (/^\d+$/.test(port)) return Number(port)
  return ports.find((p) => p.name === port)?.containerPort
}

function httpProbe(host: string, port: number, path: string, https: boolean, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const request = (https ? httpsRequest : httpRequest)({
      host,
      port,
      path: path.startsWith('/') ? path : `/${path}`,
      method: 'GET',
      timeout: timeoutMs,
      headers: { 'user-agent': 'kube-probe/actorkube', accept: '*/*' },
      ...(https && { rejectUnauthorized: false }),
    })
    request.on('response', (response) => {
      response.resume()
      const status = response.statusCode ?? 0
      resolve(status >= 200 && status < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${status}` })
    })
    request.on('timeout', () => request.destroy(new Error(`Get "http://${host}:${port}${path}": timeout after ${timeoutMs} ms`)))
    request.on('error', (error) => resolve({ ok: false, message: error.message }))
    request.end()
  })
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const timer = setTimeout(() => socket.destroy(new Error(`dial tcp ${host}:${port}: i/o timeout`)), timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ ok: true })
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      resolve({ ok: false, message: error.message })
    })
  })
}

function execProbe(command: readonly string[], target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const [file, ...args] = command
  if (file === undefined) return Promise.resolve({ ok: false, message: 'exec probe has no command' })
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: target.env, cwd: target.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const collect = (chunk: string): void => {
      if (output.length < 10_000) output += chunk
    }
    child.stdout.setEncoding('utf8').on('data', collect)
    child.stderr.setEncoding('utf8').on('data', collect)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid, 'SIGKILL')
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      resolve({ ok: false, message: error.message })
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) resolve({ ok: false, message: `command timed out after ${timeoutMs} ms` })
      else if (code === 0) resolve({ ok: true, ...(output && { message: output.trim() }) })
      else resolve({ ok: false, message: output.trim() || `command exited with ${code ?? signal}` })
    })
  })
}
