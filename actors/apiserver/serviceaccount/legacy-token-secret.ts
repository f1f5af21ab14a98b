/**
 * Legacy service account token Secrets (`type: kubernetes.io/service-account-token`, annotated
 * `kubernetes.io/service-account.name`), which users still create for a long-lived token: the
 * Secret gets `data.token` (a legacy token: no expiry, valid while the Secret and the account
 * exist and the Secret still holds it), `data.ca.crt` (from kube-system/kube-root-ca.crt) and
 * `data.namespace`, and the account's uid in `kubernetes.io/service-account.uid`, as Kubernetes'
 * tokens controller fills it in. Kubernetes does it moments after the create; we do it in the
 * create itself (the apiserver holds the signing key), so the Secret is never seen without its
 * token. A Secret for an account that does not exist is stored as it came, without a token.
 */
import { storeKey } from '../meta/keys.ts'
import type { KubeObject, ObjectsPort } from '../ports.ts'
import { base64Of } from '../validation/core-kinds.ts'
import { signJws } from './jwt.ts'
import { legacyTokenClaims } from './token-claims.ts'
import type { ServiceAccountTokenIssuer } from './token-request.ts'

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token'
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name'
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid'
const ROOT_CA = { namespace: 'kube-system', name: 'kube-root-ca.crt', key: 'ca.crt' }

type Obj = Record<string, unknown>

/** The Secret with its token filled in for `account` (pure: the signer is injected). A Secret that holds a token already is left alone. */
export function withLegacyToken(secret: KubeObject, account: KubeObject, issuer: ServiceAccountTokenIssuer, caPem: string | undefined): KubeObject {
  const data = ((secret as Obj).data ?? {}) as Record<string, string>
  if (typeof data.token === 'string' && data.token !== '') return secret
  const namespace = secret.metadata?.namespace ?? 'default'
  const uid = account.metadata?.uid ?? ''
  const token = signJws(legacyTokenClaims(namespace, { name: account.metadata?.name ?? '', uid }, secret.metadata?.name ?? ''), issuer.signer)
  return {
    ...secret,
    metadata: { ...secret.metadata, annotations: { ...secret.metadata?.annotations, [SERVICE_ACCOUNT_UID_ANNOTATION]: uid } },
    data: { ...data, ...(caPem !== undefined ? { 'ca.crt': base64Of(caPem) } : {}), namespace: base64Of(namespace), token: base64Of(token) },
  } as KubeObject
}

/** A new Secret, with its token if it is a service account token Secret whose account exists. */
export async function fillLegacyTokenSecret(secret: KubeObject, objects: ObjectsPort, issuer: ServiceAccountTokenIssuer | undefined): Promise<KubeObject> {
  if (issuer === undefined || (secret as Obj).type !== SERVICE_ACCOUNT_TOKEN_TYPE) return secret
  const name = secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]
  const namespace = secret.metadata?.namespace
  if (name === undefined || name === '' || namespace === undefined || name.includes('/')) return secret
  const key = storeKey({ resource: 'serviceaccounts' }, namespace, name)
  const account = (await objects.get(key, { anyVersion: true })) ?? (await objects.get(key))
  if (account === undefined) return secret
  const wantedUid = secret.metadata?.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION]
  if (wantedUid !== undefined && wantedUid !== '' && wantedUid !== account.metadata?.uid) return secret
  const ca = (await objects.get(storeKey({ resource: 'configmaps' }, ROOT_CA.namespace, ROOT_CA.name), { anyVersion: true })) as { data?: Record<string, string> } | undefined
  return withLegacyToken(secret, account, issuer, ca?.data?.[ROOT_CA.key])
}
