import t from 'tap'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { parseKubeletOptions } from '../../../actors/kubelet/kubelet-options.ts'
import type { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { systemClock } from '../../../runtime/clock.ts'
import { NodeRegistrar, REGISTER_CONCURRENCY } from '../../../runtime/kubelet/node-registrar.ts'
import { silentLogger } from '../../../runtime/log.ts'

t.test('node registrar - a pool registers its nodes at most REGISTER_CONCURRENCY at a time', async (t) => {
  let out = 0
  let most = 0
  const created: string[] = []
  const pending: (() => void)[] = []
  const api = {
    create: async (_path: string, node: KubeObject) => {
      out++
      most = Math.max(most, out)
      await new Promise<void>((resolve) => pending.push(resolve))
      out--
      created.push(node.metadata?.name ?? '')
      return node
    },
  } as unknown as ApiClient
  const registrar = new NodeRegistrar(api, systemClock, silentLogger, parseKubeletOptions({ apiservers: ['m'], nodes: 100 }), () => undefined)
  const names = Array.from({ length: 100 }, (_, i) => `hollow-1-${i}`)
  const all = Promise.all(names.map((n) => registrar.register(n)))
  while (created.length < names.length) {
    await new Promise((resolve) => setImmediate(resolve))
    t.ok(out <= REGISTER_CONCURRENCY)
    pending.splice(0).forEach((resolve) => resolve())
  }
  await all
  t.equal(most, REGISTER_CONCURRENCY, 'the slots are used')
  t.same([...created].sort(), [...names].sort(), 'every node registered once')
  registrar.close()
})
