/**
 * The authorizer the apiserver asks: decisions and rule listings over the current policy (the
 * bootstrap policy file joined with the RBAC objects in the apiserver's cache, rbac.ts). The
 * policy is handed in as a function so the caller keeps it current; deciding stays pure.
 */
import { authorize, type Decision, type Policy, type PolicyRule, type RequestAttributes, type RoleRef, type UserInfo } from './policy.ts'
import { roleRules, rulesFor, type UserRules } from './rbac.ts'

export interface Authorizer {
  authorize(user: UserInfo, attrs: RequestAttributes): Decision
  rulesFor(user: UserInfo, namespace: string): UserRules
  /** The rules of the role a binding in `namespace` refers to; undefined if there is no such role. */
  roleRules(ref: RoleRef, namespace: string): readonly PolicyRule[] | undefined
}

export const policyAuthorizer = (policy: () => Policy): Authorizer => ({
  authorize: (user, attrs) => authorize(policy(), user, attrs),
  rulesFor: (user, namespace) => rulesFor(policy(), user, namespace),
  roleRules: (ref, namespace) => roleRules(policy(), ref, namespace),
})
