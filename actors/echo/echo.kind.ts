import type { ActorKind } from '../kit/actor-kind.ts'
import { optionsObject, positiveNumber } from '../kit/options.ts'
import { ECHO_ACCEPTS, echoMachine, type EchoOptions } from './echo.machine.ts'

export const echoKind: ActorKind<EchoOptions> = {
  component: 'echo',
  logic: echoMachine,
  accepts: ECHO_ACCEPTS,
  batchable: new Set(['echo.ping']),
  parseOptions(raw) {
    const o = optionsObject(raw, 'echo')
    return { blastBatch: positiveNumber(o.blastBatch, 'echo.blastBatch', 512) }
  },
}
