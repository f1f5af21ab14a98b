import type { ActorKind } from '../kit/actor-kind.ts'
import { apiserverIds, optionsObject } from '../kit/options.ts'
import { parseIPv4 } from '../apiserver/services/ranges.ts'
import { proxyMachine, type ProxyOptions } from './proxy.machine.ts'

/** One per node: `{ kind: proxy, id: <node>, options: { apiservers: [...], nodeName, nodeIP } }`. */
export const proxyKind: ActorKind<ProxyOptions> = {
  component: 'proxy',
  logic: proxyMachine,
  accepts: new Set<string>(),
  parseOptions(raw) {
    const o = optionsObject(raw, 'proxy')
    const apiservers = apiserverIds(o.apiservers, 'proxy')
    const nodeName = o.nodeName
    if (typeof nodeName !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName)) throw new TypeError(`proxy.nodeName: expected a node name, got ${JSON.stringify(nodeName)}`)
    const nodeIP = o.nodeIP
    if (typeof nodeIP !== 'string' || parseIPv4(nodeIP) === undefined) throw new TypeError(`proxy.nodeIP: expected an IPv4 address, got ${JSON.stringify(nodeIP)}`)
    return { apiservers, nodeName, nodeIP }
  },
}
