import type { ActorKind } from '../kit/actor-kind.ts'
import { optionsObject, positiveNumber } from '../kit/options.ts'
import { flowControlConfig } from './flowcontrol/config.ts'
import { APISERVER_ACCEPTS, apiserverMachine, type ApiServerOptions } from './apiserver.machine.ts'

export const apiserverKind: ActorKind<ApiServerOptions> = {
  component: 'apiserver',
  logic: apiserverMachine,
  accepts: APISERVER_ACCEPTS,
  parseOptions(raw) {
    const o = optionsObject(raw, 'apiserver')
    const port = o.port ?? 6443
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) throw new TypeError('apiserver.port: expected a port number (0 picks a free one)')
    const https = o.https ?? true
    if (typeof https !== 'boolean') throw new TypeError('apiserver.https: expected true or false (false serves the NATS side only)')
    const securityDir = o.securityDir ?? (https ? undefined : '')
    if (typeof securityDir !== 'string' || (https && securityDir === '')) throw new TypeError('apiserver.securityDir: expected a directory path')
    const replicas = o.storeReplicas
    if (!Array.isArray(replicas) || replicas.length === 0 || !replicas.every((r) => typeof r === 'string' && /^[A-Za-z0-9_-]+$/.test(r))) {
      throw new TypeError('apiserver.storeReplicas: expected the store replica ids')
    }
    const bindAddress = o.bindAddress ?? '127.0.0.1'
    if (typeof bindAddress !== 'string') throw new TypeError('apiserver.bindAddress: expected an address')
    const flowControl = parseFlowControl(o.flowControl)
    return { https, port: port as number, bindAddress, securityDir, storeReplicas: replicas as string[], ...(flowControl ? { flowControl } : {}) }
  },
}

/** `flowControl: { totalConcurrency?, queueWaitMs? }`, checked as the apiserver will use it (positive integers). */
function parseFlowControl(raw: unknown): ApiServerOptions['flowControl'] {
  if (raw === undefined) return undefined
  const o = optionsObject(raw, 'apiserver.flowControl')
  const unknown = Object.keys(o).filter((k) => k !== 'totalConcurrency' && k !== 'queueWaitMs')
  if (unknown.length > 0) throw new TypeError(`apiserver.flowControl: unknown option ${unknown.join(', ')} (expected totalConcurrency, queueWaitMs)`)
  const parsed: { totalConcurrency?: number; queueWaitMs?: number } = {}
  for (const key of ['totalConcurrency', 'queueWaitMs'] as const) if (o[key] !== undefined) parsed[key] = positiveNumber(o[key], `apiserver.flowControl.${key}`, 1)
  flowControlConfig(parsed)
  return parsed
}
