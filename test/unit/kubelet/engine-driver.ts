/**
 * Drives the kubelet engine's pure step (actors/kubelet/engine-step.ts) the way the runtime adapter
 * does, on a virtual clock: `after` effects become timers that feed their input back, every other
 * effect is recorded for the test to look at and answer.
 */
import type { Pod, PodStatus } from '../../../actors/kube/objects.ts'
import type { EngineEffect, EngineInput } from '../../../actors/kubelet/engine-io.ts'
import { engineState, stepEngine, type EngineState } from '../../../actors/kubelet/engine-step.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'

export type Effect<K extends EngineEffect['type']> = Extract<EngineEffect, { type: K }>

export class EngineDriver {
  readonly clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'))
  readonly state: EngineState
  /** Every effect but timers, in the order the step asked for them. */
  effects: EngineEffect[] = []

  constructor(nodeNames: readonly string[], statusConcurrency?: number) {
    this.state = engineState(nodeNames, statusConcurrency)
  }

  step(input: EngineInput): this {
    for (const effect of stepEngine(this.state, input, this.clock.now())) {
      if (effect.type === 'after') this.clock.setTimeout(() => this.step(effect.input), effect.ms)
      else this.effects.push(effect)
    }
    return this
  }

  advance(ms: number): this {
    this.clock.advance(ms)
    return this
  }

  /** The effects of one type recorded since the last `take`, removed from the record. */
  take<K extends EngineEffect['type']>(type: K): Effect<K>[] {
    const taken = this.effects.filter((e): e is Effect<K> => e.type === type)
    this.effects = this.effects.filter((e) => e.type !== type)
    return taken
  }
}

export function boundPod(uid: string, nodeName: string, status?: PodStatus): Pod {
  return {
    metadata: { name: `p-${uid}`, namespace: 'default', uid },
    spec: { nodeName, containers: [{ name: 'app', image: 'actorkube/sleep' }] },
    ...(status ? { status } : {}),
  }
}
