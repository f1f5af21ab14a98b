/**
 * POST serviceaccounts/<name>/token: an authentication.k8s.io/v1 TokenRequest (JSON or protobuf,
 * as `kubectl create token NAME [--duration D]` sends it) answered with a signed, expiring token
 * for the account (k8s.io/kubernetes/pkg/registry/core/serviceaccount/storage/token.go). The
 * token may be bound to a Pod or Secret of the account's namespace (the kubelet binds a pod's
 * token to the pod), and then dies with that object. The request is answered, never stored.
 */
import { FieldPath, invalid as invalidField, required, type FieldError } from '../field-errors.ts'
import { json, type ApiRequest, type ApiResponse } from '../http/api-request.ts'
import { parseObjectBody } from '../http/body.ts'
import type { ResourcePath } from '../http/route.ts'
import { storeKey } from '../meta/keys.ts'
import { rfc3339Seconds } from '../meta/object-meta.ts'
import { badRequest, conflict, invalid, methodNotAllowed, notFound, unsupportedMediaType, type StatusError } from '../meta/status.ts'
import type { ApiPorts, KubeObject } from '../ports.ts'
import { signJws, type JwsSigner } from './jwt.ts'
import { boundTokenClaims } from './token-claims.ts'

/** What an apiserver issues tokens with: its signing key, its issuer and its audiences. */
export interface ServiceAccountTokenIssuer {
  readonly signer: JwsSigner
  readonly issuer: string
  readonly audiences: readonly string[]
}

export const TOKEN_REQUEST_API_VERSION = 'authentication.k8s.io/v1'
/** authentication.MinTokenAgeSec, and the TokenRequest default (ExpirationSeconds 3600). */
export const MIN_TOKEN_SECONDS = 600
export const DEFAULT_TOKEN_SECONDS = 3600
const MAX_TOKEN_SECONDS = 2 ** 32

const fail = (s: StatusError): ApiResponse => json(s.code, s.status)
type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {})
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

interface TokenSpec {
  readonly audiences: readonly string[]
  readonly expirationSeconds: number
  readonly boundObjectRef?: { readonly kind: string; readonly apiVersion: string; readonly name: string; readonly uid: string }
}

/** ValidateTokenRequest, with the request's defaults (the apiserver's audiences, an hour). */
export function parseTokenSpec(body: Obj, defaultAudiences: readonly string[]): { ok: true; spec: TokenSpec } | { ok: false; errors: FieldError[] } {
  const spec = obj(body.spec)
  const at = FieldPath.root('spec')
  const errors: FieldError[] = []
  const asked = spec.expirationSeconds
  const seconds = asked === undefined || asked === null || asked === 0 ? DEFAULT_TOKEN_SECONDS : Number(asked)
  if (!Number.isInteger(seconds)) errors.push(invalidField(at.child('expirationSeconds'), asked, 'must be a whole number of seconds'))
  else if (seconds < MIN_TOKEN_SECONDS) errors.push(invalidField(at.child('expirationSeconds'), seconds, `may not specify a duration less than ${MIN_TOKEN_SECONDS} seconds`))
  else if (seconds > MAX_TOKEN_SECONDS) errors.push(invalidField(at.child('expirationSeconds'), seconds, 'may not specify a duration larger than 2^32 seconds'))
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : []
  const ref = spec.boundObjectRef === undefined || spec.boundObjectRef === null ? undefined : obj(spec.boundObjectRef)
  if (ref !== undefined && str(ref.name) === '') errors.push(required(at.child('boundObjectRef').child('name')))
  if (errors.length > 0) return { ok: false, errors }
  const boundObjectRef = ref === undefined ? undefined : { kind: str(ref.kind), apiVersion: str(ref.apiVersion), name: str(ref.name), uid: str(ref.uid) }
  return { ok: true, spec: { audiences: audiences.length > 0 ? audiences : defaultAudiences, expirationSeconds: seconds, ...(boundObjectRef ? { boundObjectRef } : {}) } }
}

export async function tokenRequest(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  if (request.method !== 'POST') return fail(methodNotAllowed('serviceaccounts/token', request.method.toLowerCase()))
  const issuer = ports.serviceAccountTokens
  // As kube-apiserver without a signing key, which does not serve the subresource at all.
  if (issuer === undefined) return fail(notServed(at))
  const name = at.name!
  const namespace = at.namespace ?? 'default'
  const parsed = parseObjectBody(request.body, request.contentType)
  if (!parsed.ok) return fail(parsed.unsupported ? unsupportedMediaType(['application/json', 'application/vnd.kubernetes.protobuf']) : badRequest(parsed.message))
  const body = parsed.value
  if (body.kind !== undefined && body.kind !== 'TokenRequest') return fail(badRequest(`not a TokenRequest object: ${String(body.kind)}`))
  const spec = parseTokenSpec(body, issuer.audiences)
  if (!spec.ok) return fail(invalid('TokenRequest', name, spec.errors, 'authentication.k8s.io'))
  const account = await ports.objects.get(storeKey({ resource: 'serviceaccounts' }, namespace, name))
  if (account === undefined) return fail(notFound('serviceaccounts', name))
  const bound = await boundObject(spec.spec, name, namespace, ports)
  if (!bound.ok) return fail(bound.status)
  const now = ports.now()
  const claims = boundTokenClaims({
    issuer: issuer.issuer,
    audiences: spec.spec.audiences,
    namespace,
    serviceAccount: { name, uid: account.metadata?.uid ?? '' },
    ...(bound.to ? { boundTo: bound.to } : {}),
    now,
    expirationSeconds: spec.spec.expirationSeconds,
    id: ports.uid(),
  })
  const metadata = { ...obj(body.metadata), name, namespace, creationTimestamp: rfc3339Seconds(now) }
  return json(201, {
    kind: 'TokenRequest',
    apiVersion: TOKEN_REQUEST_API_VERSION,
    metadata,
    spec: { audiences: [...spec.spec.audiences], expirationSeconds: spec.spec.expirationSeconds, ...(spec.spec.boundObjectRef ? { boundObjectRef: spec.spec.boundObjectRef } : {}) },
    status: { token: signJws(claims, issuer.signer), expirationTimestamp: rfc3339Seconds(now + spec.spec.expirationSeconds * 1000) },
  })
}

type Bound = { ok: true; to?: { kind: 'Pod' | 'Secret'; name: string; uid: string } } | { ok: false; status: StatusError }

/** The object a token is bound to: a Pod running as the account, or a Secret, of its namespace (token.go). */
async function boundObject(spec: TokenSpec, account: string, namespace: string, ports: ApiPorts): Promise<Bound> {
  const ref = spec.boundObjectRef
  if (ref === undefined) return { ok: true }
  const core = ref.apiVersion === '' || ref.apiVersion === 'v1'
  if (!core || (ref.kind !== 'Pod' && ref.kind !== 'Secret')) {
    return { ok: false, status: badRequest(`cannot bind token for serviceaccount ${JSON.stringify(account)} to object of kind ${JSON.stringify(`${ref.kind}.${ref.apiVersion}`)}`) }
  }
  const resource = ref.kind === 'Pod' ? 'pods' : 'secrets'
  const object: KubeObject | undefined = await ports.objects.get(storeKey({ resource }, namespace, ref.name))
  if (object === undefined) return { ok: false, status: notFound(resource, ref.name) }
  if (ref.kind === 'Pod' && podServiceAccount(object) !== account) {
    return { ok: false, status: badRequest(`cannot bind token for serviceaccount ${JSON.stringify(account)} to pod running with different serviceaccount name.`) }
  }
  const uid = object.metadata?.uid ?? ''
  if (ref.uid !== '' && ref.uid !== uid) {
    return { ok: false, status: conflict(ref.kind, ref.name, '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`) }
  }
  return { ok: true, to: { kind: ref.kind, name: ref.name, uid } }
}

const notServed = (at: ResourcePath): StatusError => ({
  code: 404,
  status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the server could not find the requested resource (post serviceaccounts ${at.name ?? ''} token)`, reason: 'NotFound', code: 404 },
})

const podServiceAccount = (pod: KubeObject): string => str(obj(pod.spec).serviceAccountName) || 'default'
