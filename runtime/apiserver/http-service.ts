/**
 * The apiserver actor's `http` child: serves the Kubernetes API over HTTPS on the host, backed
 * by the cluster store through a StoreClient on the host's own (fault-injectable) transport.
 * On start it makes sure the built-in namespaces exist, as kube-apiserver does.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import type { ApiAnswer, ApiCall, ApiHandle, ApiServerOptions, HttpOutcome } from '../../actors/apiserver/apiserver.machine.ts'
import { malformedWatchMessage, type ApiWatchAlive } from '../../actors/apiserver/watch-protocol.ts'
import { handle } from '../../actors/apiserver/handle.ts'
import { parseFence, type Fence } from '../../actors/apiserver/fence.ts'
import { CLUSTER_ACTORS_GROUP, flowControlConfig } from '../../actors/apiserver/flowcontrol/config.ts'
import type { ApiRequest, TextStreamResponse } from '../../actors/apiserver/http/api-request.ts'
import { badRequest, internal, serviceUnavailable, type StatusError } from '../../actors/apiserver/meta/status.ts'
import type { ApiPorts, KubeObject } from '../../actors/apiserver/ports.ts'
import type { EngineDeps } from '../engine.ts'
import type { Clock } from '../clock.ts'
import { randomClientId, randomUuid } from '../random.ts'
import { noMetrics, type HostMetrics } from '../metrics.ts'
import { activeTraceparent } from '../telemetry.ts'
import { StoreClient } from '../store/store-client.ts'
import { ApiHttpServer } from './http-server.ts'
import { CachedObjects } from './cached-objects.ts'
import { FlowGate } from './flow-gate.ts'
import { NatsWatches } from './nats-watches.ts'
import { podLogsPort } from './pod-logs.ts'
import { ensureApiSecurity } from './security/api-security.ts'
import { ensureServiceAccountKey } from './security/service-account-key.ts'
import { rootCaConfigMap, serviceAccountAuthenticator, tokenIssuer } from './service-account-tokens.ts'
import { policyAuthorizer } from '../../actors/apiserver/authz/authorizer.ts'
import { DEFAULT_RBAC_OBJECTS } from '../../actors/apiserver/authz/default-roles.ts'
import { DEFAULT_STORAGE_CLASS } from '../../actors/kube/storage.ts'
import { RbacInformer } from './rbac-informer.ts'
import { loadStorageTransformer } from './secret-encryption.ts'

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const

/** An engine's deps, and where flow control's apiserver_flowcontrol_* metrics go. */
export interface HttpServiceDeps extends EngineDeps {
  readonly metrics?: HostMetrics
}

/** Over NATS a text stream (pods/log) is answered whole; a following one ends after this long. */
const TEXT_OVER_NATS_MS = 10_000
const TEXT_OVER_NATS_BYTES = 1024 * 1024

function collectText(response: TextStreamResponse, clock: Clock): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    let done = false
    // `open` may end the stream before it returns (a log that was already complete).
    let stop: (() => void) | undefined
    const finish = () => {
      if (done) return
      done = true
      clock.clearTimeout(timer)
      stop?.()
      resolve(text)
    }
    const timer = clock.setTimeout(finish, TEXT_OVER_NATS_MS)
    stop = response.open((chunk) => {
      text += chunk
      if (text.length >= TEXT_OVER_NATS_BYTES) finish()
    }, finish)
    if (done) stop()
  })
}

export function apiHttpServiceLogic(options: ApiServerOptions, deps: HttpServiceDeps): AnyActorLogic {
  return fromCallback<ApiHandle>(({ sendBack, receive }) => {
    let open = true
    let server: ApiHttpServer | undefined
    let apiPorts: ApiPorts | undefined
    let rbac: RbacInformer | undefined
    const store = new StoreClient({ transport: deps.transport, clock: deps.clock, cluster: deps.cluster, replicas: [...options.storeReplicas], clientId: randomClientId('c', deps.random) })
    const transformer = loadStorageTransformer(options.securityDir)
    const objects = new CachedObjects(store, { log: deps.log, ...(transformer ? { transformer } : {}) })
    const gate = new FlowGate(flowControlConfig(options.flowControl), { clock: deps.clock, metrics: deps.metrics ?? noMetrics, priorityObjects: objects.prioritized })
    const watches = new NatsWatches({ transport: deps.transport, cluster: deps.cluster, clock: deps.clock, log: deps.log })
    const report = (outcome: HttpOutcome) => {
      if (open) sendBack(outcome)
    }
    const start = async () => {
      // The service account signing key, shared by the cluster's apiservers (none without a security dir).
      const saKeys = options.securityDir === '' ? undefined : await ensureServiceAccountKey(options.securityDir)
      const ports: Omit<ApiPorts, 'serverAddress'> = {
        objects,
        now: () => deps.clock.now(),
        random: deps.random,
        uid: () => randomUuid(deps.random),
        podLogs: podLogsPort(deps),
        ...(saKeys ? { serviceAccountTokens: tokenIssuer(saKeys) } : {}),
      }
      await bootstrap({ ...ports, serverAddress: '' })
      apiPorts = { ...ports, serverAddress: `${options.bindAddress}:${options.port}` }
      if (!options.https) {
        // NATS side only: the actor serves as soon as the API does.
        if (open) report({ type: 'http.listening', port: 0 })
        return
      }
      const security = await ensureApiSecurity(options.securityDir)
      // RBAC (HTTPS only: the NATS side is the cluster's own): the default roles, then the policy
      // file joined with the RBAC objects of the watch cache decides every HTTPS request.
      await bootstrap({ ...ports, serverAddress: '' }, [...DEFAULT_RBAC_OBJECTS, rootCaConfigMap(security.pki.caCertPem)])
      const informer = await RbacInformer.start(objects, security.policy, deps)
      if (!open) return void informer.close()
      rbac = informer
      // HTTPS requests only: the NATS side stays unauthorized (reviews there answer 503).
      const authorizer = policyAuthorizer(() => informer.policy())
      const started = await ApiHttpServer.start({
        port: options.port,
        host: options.bindAddress,
        tls: { certPem: security.pki.certPem, keyPem: security.pki.keyPem },
        tokens: security.authenticator,
        serviceAccounts: serviceAccountAuthenticator(security.serviceAccountKeys, objects, deps),
        authorizer,
        ports: { ...ports, authorizer },
        flow: gate,
        log: deps.log,
      })
      if (!open) return void started.close()
      server = started
      deps.log.info({ port: started.port, address: options.bindAddress }, 'apiserver listening')
      report({ type: 'http.listening', port: started.port })
    }
    start().catch((error: unknown) => report({ type: 'http.failed', message: error instanceof Error ? error.message : String(error) }))
    receive((command) => {
      if (command.type !== 'api.handle') return
      const { call, replyTo } = command
      const reply = (answer: ApiAnswer | ApiWatchAlive) => {
        if (replyTo !== undefined) report({ type: 'api.handled', replyTo, answer })
      }
      const answer = (status: number, body: unknown) => reply({ type: 'api.response', status, body })
      const fail = (e: StatusError) => answer(e.code, e.status)
      if (call.type !== 'api.request') {
        const malformed = malformedWatchMessage(call)
        if (malformed !== undefined) {
          deps.log.warn({ type: call.type, problem: malformed }, 'dropped a malformed watch message')
          return fail(badRequest(malformed))
        }
      }
      switch (call.type) {
        case 'api.watchKeepAlive':
          return reply({ type: 'api.watchAlive', ...watches.keepAlive(call.watchIds) })
        case 'api.watchCancel':
          return watches.cancel(call.watchId)
      }
      if (apiPorts === undefined) return fail(serviceUnavailable('the apiserver is starting'))
      const fence = call.type === 'api.request' && call.fence !== undefined ? parseFence(call.fence) : undefined
      if (fence !== undefined && !fence.ok) return fail(badRequest(fence.message))
      const request = call.type === 'api.watch' ? toApiRequest({ type: 'api.request', method: 'GET', path: call.path, query: { ...call.query, watch: 'true' } }) : toApiRequest(call, activeTraceparent(), fence?.fence)
      gate.handle(request, apiPorts).then(
        (response) => {
          if (call.type === 'api.watch') {
            const opened = watches.open(call, response)
            return answer(opened.status, opened.body)
          }
          if (response.kind === 'json') answer(response.status, response.body)
          else if (response.kind === 'raw') answer(response.status, JSON.parse(response.body))
          else if (response.kind === 'text') collectText(response, deps.clock).then((text) => answer(response.status, text), (error: unknown) => fail(internal(String(error))))
          else fail(badRequest('a watch over NATS is an api.watch message (actors/apiserver/watch-protocol.ts)'))
        },
        (error: unknown) => fail(internal(String(error))),
      )
    })
    return () => {
      open = false
      gate.close()
      watches.close()
      void server?.close()
      void rbac?.close()
      void objects.close().then(() => store.close())
    }
  })
}

/**
 * Actors on the cluster's NATS are the cluster: their calls are not authorized (the NATS account
 * is the trust boundary). They are not system:masters, whose requests flow control exempts: an
 * actor's bulk writes must queue behind Lease renewals like anyone's.
 */
const CLUSTER_ACTOR = { name: 'system:actor', groups: [CLUSTER_ACTORS_GROUP, 'system:authenticated'] } as const

/** `traceparent`: the host's handle span for the call (tracing on), which a created pod records; `fence`: the call's, checked. */
function toApiRequest(call: ApiCall, traceparent?: string, fence?: Fence): ApiRequest {
  return {
    ...(traceparent !== undefined ? { traceparent } : {}),
    ...(fence !== undefined ? { fence } : {}),
    method: call.method,
    path: call.path,
    query: call.query ?? {},
    accept: 'application/json',
    contentType: call.contentType ?? 'application/json',
    body: call.body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(call.body)),
    user: CLUSTER_ACTOR,
  }
}

const SYSTEM_NAMESPACE_OBJECTS = SYSTEM_NAMESPACES.map((name) => ({ path: '/api/v1/namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } } }))
/** What every cluster starts with: the system namespaces and the default StorageClass (`local`). */
const BOOTSTRAP_OBJECTS = [...SYSTEM_NAMESPACE_OBJECTS, { path: '/apis/storage.k8s.io/v1/storageclasses', object: DEFAULT_STORAGE_CLASS as unknown as KubeObject }]

/** Creates the objects that are missing, by default the system namespaces and the default StorageClass (through the handlers, so they get uids and timestamps). */
async function bootstrap(ports: ApiPorts, objects: readonly { readonly path: string; readonly object: KubeObject }[] = BOOTSTRAP_OBJECTS): Promise<void> {
  for (const { path, object } of objects) {
    const response = await handle(
      {
        method: 'POST',
        path,
        query: {},
        accept: 'application/json',
        contentType: 'application/json',
        body: new TextEncoder().encode(JSON.stringify(object)),
        user: { name: 'system:apiserver', groups: ['system:masters'] },
      },
      ports,
    )
    if (response.status !== 201 && response.status !== 409) throw new Error(`could not create ${object.kind} ${object.metadata?.name}: HTTP ${response.status}`)
  }
}
