/**
 * Service account bearer tokens, authenticated as kube-apiserver does (pkg/serviceaccount
 * jwt.go and claims.go/legacy.go Validate): the signature (the injected verifier), the claims
 * (token-claims.ts, on the injected clock), then the objects they name, which must still be there
 * with the same uid: the ServiceAccount; the Pod or Secret a bound token is bound to; for a
 * legacy token its Secret, which must still hold this very token. So deleting the account (or
 * the pod) revokes its tokens. Objects are read from the apiserver's cache first, as Kubernetes'
 * getters use informers, and from the store when the cache has none (an account just created).
 */
import { AUTHENTICATED_GROUP, serviceAccountUser } from '../authz/policy.ts'
import { storeKey } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'
import { looksLikeJws, verifyJws, type JwsVerifier } from './jwt.ts'
import { checkClaims, serviceAccountGroups, type ObjectRef, type ServiceAccountClaims } from './token-claims.ts'

export interface ServiceAccountIdentity {
  readonly user: string
  /** The ServiceAccount's uid. */
  readonly uid: string
  readonly groups: readonly string[]
}

export interface TokenAuthenticationPorts {
  readonly verifier: JwsVerifier
  readonly issuer: string
  readonly audiences: readonly string[]
  readonly objects: ObjectsPort
  now(): number
}

export type TokenVerdict = { readonly ok: true; readonly identity: ServiceAccountIdentity } | { readonly ok: false; readonly reason: string }

/** Whether `token` is for this authenticator at all: other bearer tokens (the token file's) are not JWTs. */
export const isServiceAccountToken = looksLikeJws

export async function authenticateServiceAccountToken(token: string, ports: TokenAuthenticationPorts): Promise<TokenVerdict> {
  const verified = verifyJws(token, ports.verifier)
  if (!verified.ok) return verified
  const checked = checkClaims(verified.payload, { issuer: ports.issuer, audiences: ports.audiences, now: ports.now() })
  if (!checked.ok) return checked
  const { namespace, serviceAccount } = checked.claims
  const account = await lookUp(ports.objects, 'serviceaccounts', namespace, serviceAccount.name)
  const stale = refMismatch('serviceaccount', serviceAccount, account) ?? (await staleBinding(checked.claims, token, ports.objects))
  if (stale !== undefined) return { ok: false, reason: stale }
  return {
    ok: true,
    identity: { user: serviceAccountUser(namespace, serviceAccount.name), uid: account?.metadata?.uid ?? '', groups: [...serviceAccountGroups(namespace), AUTHENTICATED_GROUP] },
  }
}

/** Why the objects a token is bound to no longer back it, or undefined when they all do. */
async function staleBinding(claims: ServiceAccountClaims, token: string, objects: ObjectsPort): Promise<string | undefined> {
  const { namespace } = claims
  if (claims.pod !== undefined) {
    const pod = await lookUp(objects, 'pods', namespace, claims.pod.name)
    const podStale = refMismatch('pod', claims.pod, pod)
    if (podStale !== undefined) return podStale
  }
  if (claims.secret !== undefined) {
    const secret = await lookUp(objects, 'secrets', namespace, claims.secret.name)
    const secretStale = refMismatch('secret', claims.secret, secret)
    if (secretStale !== undefined) return secretStale
  }
  if (claims.legacySecretName !== undefined) {
    const secret = await lookUp(objects, 'secrets', namespace, claims.legacySecretName)
    if (secret === undefined) return `secret ${namespace}/${claims.legacySecretName} not found`
    if (!holdsToken(secret, token)) return `secret ${namespace}/${claims.legacySecretName} does not hold this token`
  }
  return undefined
}

/** A reference whose uid is empty (legacy claims without one) matches by name only. */
function refMismatch(kind: string, ref: ObjectRef, found: KubeObject | undefined): string | undefined {
  if (found === undefined) return `${kind} ${ref.name} not found`
  if (ref.uid !== '' && found.metadata?.uid !== ref.uid) return `${kind} ${ref.name} has been recreated (uid ${found.metadata?.uid ?? ''}, the token's ${ref.uid})`
  if (found.metadata?.deletionTimestamp && kind !== 'serviceaccount') return `${kind} ${ref.name} is being deleted`
  return undefined
}

function holdsToken(secret: KubeObject, token: string): boolean {
  const data = (secret as { data?: Record<string, unknown> }).data
  const stored = data?.token
  if (typeof stored !== 'string') return false
  try {
    return atob(stored) === token
  } catch {
    return false
  }
}

async function lookUp(objects: ObjectsPort, resource: string, namespace: string, name: string): Promise<KubeObject | undefined> {
  let key: string
  try {
    key = storeKey({ resource }, namespace, name)
  } catch {
    // A name no object can have (it holds a slash): nothing to find.
    return undefined
  }
  return (await objects.get(key, { anyVersion: true })) ?? (await objects.get(key))
}
