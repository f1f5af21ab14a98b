import type { ActorKind } from '../kit/actor-kind.ts'
import { optionsObject, positiveNumber } from '../kit/options.ts'
import { BEAT_TOPIC, MEMBER_ACCEPTS, memberMachine, type MemberOptions } from './member.machine.ts'

export const memberKind: ActorKind<MemberOptions> = {
  component: 'member',
  logic: memberMachine,
  accepts: MEMBER_ACCEPTS,
  topics: () => [BEAT_TOPIC],
  parseOptions(raw) {
    const o = optionsObject(raw, 'member')
    const intervalMs = positiveNumber(o.intervalMs, 'member.intervalMs', 1_000)
    const roles = o.roles ?? []
    if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) throw new TypeError('member.roles: expected a list of strings')
    return { intervalMs, timeoutMs: positiveNumber(o.timeoutMs, 'member.timeoutMs', intervalMs * 3.5), roles }
  },
}
