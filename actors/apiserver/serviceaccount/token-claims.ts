/**
 * The claims of Kubernetes' service account tokens (k8s.io/kubernetes/pkg/serviceaccount
 * claims.go and legacy.go), built and checked without I/O; `now` is passed in.
 *
 * - A bound token (TokenRequest): `iss`, `sub` `system:serviceaccount:NS:NAME`, `aud`, `exp`,
 *   `iat`, `nbf`, `jti` and the private claim `kubernetes.io` with the namespace, the
 *   serviceaccount's name and uid, and the object it is bound to (a pod or a secret), if any.
 * - A legacy token (a `kubernetes.io/service-account-token` Secret's): issuer
 *   `kubernetes/serviceaccount`, no expiry, the account and secret in flat
 *   `kubernetes.io/serviceaccount/...` claims.
 *
 * {@link checkClaims} is the first half of authentication: what the token says. The second half,
 * whether the account (and pod, and secret) it names still exist, is token-authenticator.ts.
 */
import { serviceAccountUser } from '../authz/policy.ts'

/** kube-apiserver's default --service-account-issuer and --api-audiences. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local'
export const LEGACY_ISSUER = 'kubernetes/serviceaccount'
/** go-jose's DefaultLeeway, which Kubernetes' validator uses for exp, nbf and iat. */
export const CLOCK_LEEWAY_SECONDS = 60

export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts'
/** The groups every service account is in, besides system:authenticated. */
export const serviceAccountGroups = (namespace: string): string[] => [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`]

export interface ObjectRef {
  readonly name: string
  readonly uid: string
}

/** What a valid token says about its bearer. */
export interface ServiceAccountClaims {
  readonly namespace: string
  readonly serviceAccount: ObjectRef
  readonly pod?: ObjectRef
  readonly secret?: ObjectRef
  /** A legacy Secret's token: only its secret's name is in it, and the secret must still hold this token. */
  readonly legacySecretName?: string
}

export interface BoundTokenInput {
  readonly issuer: string
  readonly audiences: readonly string[]
  readonly namespace: string
  readonly serviceAccount: ObjectRef
  readonly boundTo?: { readonly kind: 'Pod' | 'Secret'; readonly name: string; readonly uid: string }
  /** ms since the epoch. */
  readonly now: number
  readonly expirationSeconds: number
  /** A fresh id for `jti`. */
  readonly id: string
}

/** The payload of a TokenRequest's token (claims.go Claims). */
export function boundTokenClaims(input: BoundTokenInput): Record<string, unknown> {
  const issuedAt = Math.floor(input.now / 1000)
  const bound = input.boundTo === undefined ? {} : { [input.boundTo.kind === 'Pod' ? 'pod' : 'secret']: { name: input.boundTo.name, uid: input.boundTo.uid } }
  return {
    aud: [...input.audiences],
    exp: issuedAt + input.expirationSeconds,
    iat: issuedAt,
    iss: input.issuer,
    jti: input.id,
    'kubernetes.io': { namespace: input.namespace, ...bound, serviceaccount: { name: input.serviceAccount.name, uid: input.serviceAccount.uid } },
    nbf: issuedAt,
    sub: serviceAccountUser(input.namespace, input.serviceAccount.name),
  }
}

/** The payload of a legacy Secret's token (legacy.go LegacyClaims): no audience, no expiry. */
export function legacyTokenClaims(namespace: string, serviceAccount: ObjectRef, secretName: string): Record<string, unknown> {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.uid,
    sub: serviceAccountUser(namespace, serviceAccount.name),
  }
}

export interface ClaimCheck {
  /** Issuers this apiserver accepts (its own and the legacy one). */
  readonly issuer: string
  readonly audiences: readonly string[]
  /** ms since the epoch. */
  readonly now: number
}

export type ClaimVerdict = { readonly ok: true; readonly claims: ServiceAccountClaims } | { readonly ok: false; readonly reason: string }

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
const refOf = (v: unknown): ObjectRef | undefined => {
  const o = obj(v)
  return str(o.name) === '' ? undefined : { name: str(o.name), uid: str(o.uid) }
}

/** Whether a verified payload is a token this apiserver honours now, and whose it is. */
export function checkClaims(payload: Record<string, unknown>, check: ClaimCheck): ClaimVerdict {
  if (payload.iss === LEGACY_ISSUER) return checkLegacy(payload)
  if (payload.iss !== check.issuer) return { ok: false, reason: 'token issuer is not trusted' }
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud.filter((a): a is string => typeof a === 'string') : []
  if (!audiences.some((a) => check.audiences.includes(a))) return { ok: false, reason: 'token audiences are not accepted' }
  const seconds = check.now / 1000
  if (typeof payload.exp !== 'number') return { ok: false, reason: 'token has no expiry' }
  if (seconds > payload.exp + CLOCK_LEEWAY_SECONDS) return { ok: false, reason: 'token has expired' }
  if (typeof payload.nbf === 'number' && seconds < payload.nbf - CLOCK_LEEWAY_SECONDS) return { ok: false, reason: 'token is not valid yet' }
  if (typeof payload.iat === 'number' && seconds < payload.iat - CLOCK_LEEWAY_SECONDS) return { ok: false, reason: 'token issued in the future' }
  const k8s = obj(payload['kubernetes.io'])
  const namespace = str(k8s.namespace)
  const serviceAccount = refOf(k8s.serviceaccount)
  if (namespace === '' || serviceAccount === undefined) return { ok: false, reason: 'token names no service account' }
  if (payload.sub !== serviceAccountUser(namespace, serviceAccount.name)) return { ok: false, reason: 'token subject does not match its service account' }
  const pod = refOf(k8s.pod)
  const secret = refOf(k8s.secret)
  return { ok: true, claims: { namespace, serviceAccount, ...(pod ? { pod } : {}), ...(secret ? { secret } : {}) } }
}

function checkLegacy(payload: Record<string, unknown>): ClaimVerdict {
  const namespace = str(payload['kubernetes.io/serviceaccount/namespace'])
  const name = str(payload['kubernetes.io/serviceaccount/service-account.name'])
  const secretName = str(payload['kubernetes.io/serviceaccount/secret.name'])
  if (namespace === '' || name === '' || secretName === '') return { ok: false, reason: 'token names no service account' }
  if (payload.sub !== serviceAccountUser(namespace, name)) return { ok: false, reason: 'token subject does not match its service account' }
  return { ok: true, claims: { namespace, serviceAccount: { name, uid: str(payload['kubernetes.io/serviceaccount/service-account.uid']) }, legacySecretName: secretName } }
}
