import type { ActorKind } from '../../actors/kit/actor-kind.ts'
import { echoKind } from '../../actors/echo/echo.kind.ts'
import { memberKind } from '../../actors/membership/member.kind.ts'

/** Every actor kind a host config may name. Later components register here. */
export const actorKinds: Readonly<Record<string, ActorKind>> = {
  echo: echoKind as ActorKind,
  member: memberKind as ActorKind,
}
