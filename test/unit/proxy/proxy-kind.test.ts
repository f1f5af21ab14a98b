/** The proxy kind's options and its machine's bookkeeping around the engine. */
import t from 'tap'
import { createActor, fromCallback } from 'xstate'
import { proxyKind } from '../../../actors/proxy/proxy.kind.ts'
import { proxyMachine, type ProxyEngineEvent } from '../../../actors/proxy/proxy.machine.ts'

t.test('options', async (t) => {
  const ok = { apiservers: ['master-1'], nodeName: 'worker-1', nodeIP: '127.1.0.1' }
  t.same(proxyKind.parseOptions(ok), ok)
  const bad: [unknown, RegExp][] = [
    [{ ...ok, apiservers: [] }, /proxy\.apiservers/],
    [{ ...ok, nodeName: 'Worker 1' }, /proxy\.nodeName: expected a node name, got "Worker 1"/],
    [{ ...ok, nodeIP: '127.1.0' }, /proxy\.nodeIP: expected an IPv4 address, got "127.1.0"/],
    [[], /proxy options: expected a mapping/],
  ]
  for (const [raw, message] of bad) t.throws(() => proxyKind.parseOptions(raw), { name: 'TypeError', message })
})

t.test('the machine records what the engine reports and crashes when it fails', async (t) => {
  let report: ((e: ProxyEngineEvent) => void) | undefined
  const machine = proxyMachine.provide({ actors: { engine: fromCallback(({ sendBack }) => void (report = sendBack)) } })
  const actor = createActor(machine, { input: { id: 'worker-1', host: 'h', options: { apiservers: ['m'], nodeName: 'worker-1', nodeIP: '127.1.0.1' }, env: { now: () => 0, random: () => 0 } } })
  const errors: unknown[] = []
  actor.subscribe({ error: (e) => errors.push(e) })
  actor.start()
  report!({ type: 'proxy.synced', listeners: 3, bound: 2 })
  t.match(actor.getSnapshot().context, { nodeName: 'worker-1', listeners: 3, bound: 2 })
  report!({ type: 'engine.failed', message: 'no apiserver' })
  t.match(String(errors[0]), /proxy: no apiserver/)
})
