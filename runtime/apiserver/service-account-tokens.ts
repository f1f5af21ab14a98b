/**
 * An apiserver's service account tokens: the issuer its TokenRequests sign with and the HTTPS
 * edge's authenticator for them (actors/apiserver/serviceaccount/), over the shared `sa.key` and
 * the apiserver's own cached objects. Also the ConfigMap `kube-root-ca.crt` (the cluster CA, as
 * Kubernetes' root CA publisher writes it) that the kubelet puts beside a pod's token.
 */
import { authenticateServiceAccountToken, isServiceAccountToken } from '../../actors/apiserver/serviceaccount/token-authenticator.ts'
import { DEFAULT_ISSUER } from '../../actors/apiserver/serviceaccount/token-claims.ts'
import type { ServiceAccountTokenIssuer } from '../../actors/apiserver/serviceaccount/token-request.ts'
import type { KubeObject, ObjectsPort } from '../../actors/apiserver/ports.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { ServiceAccountKeys } from './security/service-account-key.ts'
import type { Identity } from './security/tokens.ts'

/** kube-apiserver's defaults: --service-account-issuer, and --api-audiences the same. */
export const API_AUDIENCES: readonly string[] = [DEFAULT_ISSUER]
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt'

export function tokenIssuer(keys: ServiceAccountKeys): ServiceAccountTokenIssuer {
  return { signer: keys.signer, issuer: DEFAULT_ISSUER, audiences: API_AUDIENCES }
}

/** The HTTPS edge's check of a bearer token that is not in the token file. */
export function serviceAccountAuthenticator(keys: ServiceAccountKeys, objects: ObjectsPort, deps: { readonly clock: Clock; readonly log: Logger }): (token: string) => Promise<Identity | undefined> {
  return async (token) => {
    if (!isServiceAccountToken(token)) return undefined
    const verdict = await authenticateServiceAccountToken(token, { verifier: keys.verifier, issuer: DEFAULT_ISSUER, audiences: API_AUDIENCES, objects, now: () => deps.clock.now() })
    if (verdict.ok) return verdict.identity
    deps.log.info({ reason: verdict.reason }, 'service account token refused')
    return undefined
  }
}

/** The cluster CA for pods: `kube-root-ca.crt` in kube-system, data `ca.crt`. */
export const rootCaConfigMap = (caPem: string): { readonly path: string; readonly object: KubeObject } => ({
  path: '/api/v1/namespaces/kube-system/configmaps',
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'kube-system' }, data: { 'ca.crt': caPem } } as KubeObject,
})
