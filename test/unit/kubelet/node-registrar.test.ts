import t from 'tap'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { parseKubeletOptions } from '../../../actors/kubelet/kubelet-options.ts'
import type { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { systemClock } from '../../../runtime/clock.ts'
import { NodeRegistrar, REGISTER_CONCURRENCY } from '../../../runtime/kubelet/node-registrar.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { flush } from '../../helpers/flush.ts'

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
    await flush()
    t.ok(out <= REGISTER_CONCURRENCY)
    pending.splice(0).forEach((resolve) => resolve())
  }
  await all
  t.equal(most, REGISTER_CONCURRENCY, 'the slots are used')
  t.same([...created].sort(), [...names].sort(), 'every node registered once')
  registrar.close()
})

t.test('node registrar - asked again while a registration is out, it answers with that one', async (t) => {
  let creates = 0
  let finish: (() => void) | undefined
  const api = {
    create: async (_path: string, node: KubeObject) => {
      creates++
      await new Promise<void>((resolve) => (finish = resolve))
      return node
    },
  } as unknown as ApiClient
  const registrar = new NodeRegistrar(api, systemClock, silentLogger, parseKubeletOptions({ apiservers: ['m'] }), () => undefined)
  const first = registrar.register('worker-1')
  const again = registrar.register('worker-1')
  t.equal(again, first, 'the same registration')
  await flush()
  finish!()
  await Promise.all([first, again])
  t.equal(creates, 1, 'one create for both')
  const later = registrar.register('worker-1')
  t.not(later, first, 'once done, a new question makes a new registration')
  await flush()
  finish!()
  await later
  t.equal(creates, 2)
  registrar.close()
})
