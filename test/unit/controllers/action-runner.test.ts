/**
 * The controllers' action runner: a write whose call threw (no answer within the API client's
 * timeout) failed, so it and the actions after it are not done. It counted as done once (status 0
 * read as below 300): a ReplicaSet's create that timed out in a partition was taken as made, its
 * expectation never met, and the replica set stayed a pod short until the expectations expired
 * (simulation seed 500 at 9bed92b, a leader fault and a partition).
 */
import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import { ApiClient } from '../../../runtime/apiserver/api-client.ts'
import { runActions } from '../../../runtime/controllers/action-runner.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { seededRandom } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'

const create = (name: string): Action => ({ type: 'create', path: '/api/v1/namespaces/default/pods', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' } } } as Action)

t.test('action runner - a create nobody answers within the timeout is not done, nor is what follows it', async (t) => {
  const clock = new VirtualClock()
  const network = new MemoryNetwork(clock, seededRandom(1))
  // An apiserver that hears the request and never answers (a partition on its side).
  const silent = network.connect('master-1')
  silent.subscribe('ak.c1.apiserver.master-1.in', () => {})
  const api = new ApiClient({ transport: network.connect('controller'), cluster: 'c1', apiservers: ['master-1'], clock, timeoutMs: 1000, clientId: 'runner-test' })
  let settled = false
  const running = runActions(api, [create('a'), create('b')], silentLogger).finally(() => (settled = true))
  for (let i = 0; i < 100 && !settled; i++) {
    await new Promise((resolve) => setImmediate(resolve))
    clock.runUntil(clock.now() + 100)
  }
  const outcome = await running
  t.equal(outcome.done, 0, 'nothing done')
  t.equal(outcome.failed?.status, 0, 'the create failed without an HTTP status')
  t.equal(outcome.notDone.length, 2, 'the failed create and the one after it are not done')
  t.strictSame(outcome.created, [])
  await api.close()
})
