/**
 * Impersonation (`kubectl --as USER --as-group G`), as kube-apiserver's WithImpersonation filter:
 * the Impersonate-User, Impersonate-Group, Impersonate-Uid and Impersonate-Extra-<key> headers
 * ask to act as another identity; each part must be allowed to the requester as the verb
 * `impersonate` on users, groups or serviceaccounts (core group), uids or userextras/<key>
 * (authentication.k8s.io). Denied: 403 with the attributes that were refused
 * (`users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope`).
 */
import { badRequest, type StatusError } from '../meta/status.ts'
import type { Authorizer } from './authorizer.ts'
import { AUTHENTICATED_GROUP, forbiddenStatus, type ResourceRequest, type UserInfo } from './policy.ts'

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:'
const ANONYMOUS = 'system:anonymous'
const EXTRA_PREFIX = 'impersonate-extra-'

/** Header values by lower-case name, every occurrence kept (Node's `req.headersDistinct`). */
export type DistinctHeaders = Readonly<Record<string, readonly string[] | undefined>>

export type Impersonation =
  /** No impersonation asked: the requester acts as itself. */
  | { readonly kind: 'none' }
  | { readonly kind: 'allowed'; readonly user: UserInfo }
  | { readonly kind: 'refused'; readonly status: StatusError }

/** The identity a request acts as: the requester's own, or the one it may impersonate. */
export function impersonation(requester: UserInfo, headers: DistinctHeaders, authorizer: Authorizer): Impersonation {
  const user = headers['impersonate-user']?.[0]
  const groups = headers['impersonate-group'] ?? []
  const uid = headers['impersonate-uid']?.[0]
  const extras = Object.entries(headers).filter(([name]) => name.startsWith(EXTRA_PREFIX))
  if (user === undefined) {
    if (groups.length === 0 && uid === undefined && extras.length === 0) return { kind: 'none' }
    return { kind: 'refused', status: badRequest(`requested impersonation of ${describe(groups, uid, extras)} without impersonating a user`) }
  }
  const wanted: ResourceRequest[] = [userAttributes(user), ...groups.map((g) => impersonate('groups', g))]
  if (uid !== undefined) wanted.push(impersonate('uids', uid, 'authentication.k8s.io'))
  for (const [name, values] of extras) {
    const key = decodeExtraKey(name.slice(EXTRA_PREFIX.length))
    for (const value of values ?? []) wanted.push(impersonate(`userextras/${key}`, value, 'authentication.k8s.io'))
  }
  for (const attrs of wanted) {
    const decision = authorizer.authorize(requester, attrs)
    if (!decision.allowed) return { kind: 'refused', status: { code: 403, status: forbiddenStatus(requester, attrs, decision.reason) } }
  }
  return { kind: 'allowed', user: { user, groups: groupsOf(user, groups) } }
}

const impersonate = (resource: string, name: string, apiGroup = ''): ResourceRequest => {
  const [plain, subresource] = resource.split('/', 2) as [string, string | undefined]
  return { verb: 'impersonate', apiGroup, resource: plain, ...(subresource !== undefined ? { subresource } : {}), name }
}

/** A service account's user name is impersonated as that service account (namespace and name). */
function userAttributes(user: string): ResourceRequest {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return impersonate('users', user)
  const [namespace = '', name = ''] = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':', 2)
  return { ...impersonate('serviceaccounts', name), namespace }
}

/**
 * The impersonated identity's groups: those asked for; a service account with none asked gets its
 * fixed ones; everyone but system:anonymous is in system:authenticated.
 */
function groupsOf(user: string, asked: readonly string[]): string[] {
  const groups = [...asked]
  if (asked.length === 0 && user.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    const [namespace = ''] = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':', 1)
    groups.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`)
  }
  if (user !== ANONYMOUS && !groups.includes(AUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP)
  return groups
}

/** Extra keys travel percent-encoded in the header name (kube's unescapeExtraKey). */
function decodeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded)
  } catch {
    return encoded
  }
}

const describe = (groups: readonly string[], uid: string | undefined, extras: readonly (readonly [string, unknown])[]): string =>
  [...groups.map((g) => `group ${JSON.stringify(g)}`), ...(uid !== undefined ? [`uid ${JSON.stringify(uid)}`] : []), ...extras.map(([n]) => `extra ${JSON.stringify(n.slice(EXTRA_PREFIX.length))}`)].join(', ')
