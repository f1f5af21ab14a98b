import t from 'tap'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { checkConvergence, unready } from '../../../runtime/sim/invariants/convergence.ts'

const deployment = (name: string, replicas: number | undefined, ready: number | undefined, generation = 1, observed = 1): KubeObject => ({
  metadata: { name, namespace: 'default', generation },
  spec: replicas === undefined ? {} : { replicas },
  status: { observedGeneration: observed, ...(ready === undefined ? {} : { readyReplicas: ready }) },
})

t.test('convergence - ready means readyReplicas == spec.replicas for the current generation', async (t) => {
  t.strictSame(unready([deployment('a', 3, 3), deployment('b', undefined, 1), deployment('z', 0, undefined)]), [])
  t.strictSame(unready([deployment('a', 3, 2), deployment('b', 2, undefined), deployment('c', 2, 2, 3, 2)]), [
    'default/a 2/3 ready',
    'default/b 0/2 ready',
    'default/c 2/2 ready, status of generation 2 < 3',
  ])
})

t.test('convergence - held when every deployment was ready in time, violated otherwise', async (t) => {
  const held = checkConvergence({ startedAt: 1000, withinMs: 5000, convergedAt: 3500, deployments: 2, lastUnready: [] })
  t.equal(held.held, true)
  t.match(held.detail, /2 deployments ready 2500 ms after/)
  const late = checkConvergence({ startedAt: 1000, withinMs: 5000, deployments: 2, lastUnready: ['default/a 2/3 ready'] })
  t.equal(late.held, false)
  t.equal(late.at, 6000)
  t.match(late.detail, /not ready within 5000 ms: default\/a 2\/3 ready/)
})
