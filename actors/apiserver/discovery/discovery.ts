/**
 * Discovery documents, shaped like a Kubernetes v1.32 API server's: GET /version, /api,
 * /apis, /apis/<group>, /api/v1 and /apis/<group>/<version>. Pure data from RESOURCES.
 */
import { GROUP_VERSIONS, groupVersionOf, resourcesOf, type Verb } from './resources.ts'

export interface VersionInfo {
  readonly major: string
  readonly minor: string
  readonly gitVersion: string
  readonly gitCommit: string
  readonly gitTreeState: string
  readonly buildDate: string
  readonly goVersion: string
  readonly compiler: string
  readonly platform: string
}

/** The version kubectl's dispatcher keys on (it runs kubectl 1.32 for minor "32"). */
export const versionInfo = (overrides: Partial<VersionInfo> = {}): VersionInfo => ({
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
  ...overrides,
})

export interface ServerAddressByClientCIDR {
  readonly clientCIDR: string
  readonly serverAddress: string
}

export interface APIVersions {
  readonly kind: 'APIVersions'
  readonly versions: readonly string[]
  readonly serverAddressByClientCIDRs: readonly ServerAddressByClientCIDR[]
}

/** GET /api. `serverAddress` is host:port as clients should reach it. */
export const apiVersions = (serverAddress: string): APIVersions => ({
  kind: 'APIVersions',
  versions: GROUP_VERSIONS.filter((gv) => gv.group === '').map((gv) => gv.version),
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
})

export interface GroupVersionForDiscovery {
  readonly groupVersion: string
  readonly version: string
}

export interface APIGroup {
  readonly name: string
  readonly versions: readonly GroupVersionForDiscovery[]
  readonly preferredVersion: GroupVersionForDiscovery
}

export interface APIGroupList {
  readonly kind: 'APIGroupList'
  readonly apiVersion: 'v1'
  readonly groups: readonly APIGroup[]
}

const namedGroups = (): APIGroup[] => {
  const groups: APIGroup[] = []
  for (const gv of GROUP_VERSIONS) {
    if (gv.group === '') continue
    const v = { groupVersion: groupVersionOf(gv.group, gv.version), version: gv.version }
    const existing = groups.find((g) => g.name === gv.group)
    if (existing) (existing.versions as GroupVersionForDiscovery[]).push(v)
    else groups.push({ name: gv.group, versions: [v], preferredVersion: v })
  }
  return groups
}

/** GET /apis: every named group (the core group is only under /api). */
export const apiGroupList = (): APIGroupList => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups() })

/** GET /apis/<group>, or undefined when the group is not served. */
export const apiGroup = (name: string): (APIGroup & { readonly kind: 'APIGroup'; readonly apiVersion: 'v1' }) | undefined => {
  const group = namedGroups().find((g) => g.name === name)
  return group && { kind: 'APIGroup', apiVersion: 'v1', ...group }
}

export interface APIResource {
  readonly name: string
  readonly singularName: string
  readonly namespaced: boolean
  readonly group?: string
  readonly version?: string
  readonly kind: string
  readonly verbs: readonly Verb[]
  readonly shortNames?: readonly string[]
  readonly categories?: readonly string[]
}

export interface APIResourceList {
  readonly kind: 'APIResourceList'
  readonly apiVersion: 'v1'
  readonly groupVersion: string
  readonly resources: readonly APIResource[]
}

/** GET /api/v1 or /apis/<group>/<version>: resources and subresources (`pods/status`), sorted by name. */
export const apiResourceList = (group: string, version: string): APIResourceList | undefined => {
  const specs = resourcesOf(group, version)
  if (specs.length === 0) return undefined
  const resources: APIResource[] = []
  for (const r of specs) {
    resources.push({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    })
    for (const s of r.subresources) {
      resources.push({
        name: `${r.name}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group } : {}),
        ...(s.version !== undefined ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      })
    }
  }
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionOf(group, version), resources }
}

export interface DiscoveryOptions {
  /** host:port for /api's serverAddressByClientCIDRs. */
  readonly serverAddress: string
  readonly version?: Partial<VersionInfo>
}

/**
 * The discovery document for a GET path (query string already removed), or undefined when
 * the path is not a discovery path this server knows (the caller answers 404).
 */
export const discoveryDocument = (path: string, options: DiscoveryOptions): unknown => {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  if (p === '/version') return versionInfo(options.version)
  if (p === '/api') return apiVersions(options.serverAddress)
  if (p === '/apis') return apiGroupList()
  const parts = p.split('/').slice(1)
  if (parts[0] === 'api' && parts.length === 2) return apiResourceList('', parts[1] ?? '')
  if (parts[0] === 'apis' && parts.length === 2) return apiGroup(parts[1] ?? '')
  if (parts[0] === 'apis' && parts.length === 3) return apiResourceList(parts[1] ?? '', parts[2] ?? '')
  return undefined
}

// ---------------------------------------------------------------- aggregated discovery (apidiscovery.k8s.io/v2)

/** The Content-Type an aggregated discovery answer must carry (kubectl checks it). */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'

/** Whether an Accept header asks for apidiscovery.k8s.io/v2 (kubectl 1.32 asks first, with a legacy fallback). */
export const wantsAggregatedDiscovery = (accept: string | undefined): boolean =>
  (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((s) => s.trim())
    return params[0] === 'application/json' && params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=APIGroupDiscoveryList')
  })

export interface GroupVersionKindRef {
  readonly group: string
  readonly version: string
  readonly kind: string
}

export interface APISubresourceDiscovery {
  readonly subresource: string
  readonly responseKind: GroupVersionKindRef
  readonly verbs: readonly Verb[]
}

export interface APIResourceDiscovery {
  readonly resource: string
  readonly responseKind: GroupVersionKindRef
  readonly scope: 'Namespaced' | 'Cluster'
  readonly singularResource: string
  readonly verbs: readonly Verb[]
  readonly shortNames?: readonly string[]
  readonly categories?: readonly string[]
  readonly subresources?: readonly APISubresourceDiscovery[]
}

export interface APIVersionDiscovery {
  readonly version: string
  readonly resources: readonly APIResourceDiscovery[]
  readonly freshness: 'Current'
}

export interface APIGroupDiscovery {
  readonly metadata: { readonly name?: string; readonly creationTimestamp: null }
  readonly versions: readonly APIVersionDiscovery[]
}

export interface APIGroupDiscoveryList {
  readonly kind: 'APIGroupDiscoveryList'
  readonly apiVersion: 'apidiscovery.k8s.io/v2'
  readonly metadata: Record<string, never>
  readonly items: readonly APIGroupDiscovery[]
}

const versionDiscovery = (group: string, version: string): APIVersionDiscovery => ({
  version,
  resources: resourcesOf(group, version).map((r) => ({
    resource: r.name,
    // Like the real server: the resource's own group/version are left empty in responseKind.
    responseKind: { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singularName,
    verbs: r.verbs,
    ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    ...(r.subresources.length > 0
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? '', version: s.version ?? '', kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  })),
  freshness: 'Current',
})

/**
 * GET /api (`legacy`) or /apis with the v2 Accept header: every group with its versions and
 * resources in one document. Serve it with AGGREGATED_DISCOVERY_CONTENT_TYPE.
 */
export const aggregatedDiscovery = (root: 'api' | 'apis'): APIGroupDiscoveryList => {
  const groups = new Map<string, string[]>()
  for (const gv of GROUP_VERSIONS) {
    if ((gv.group === '') !== (root === 'api')) continue
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version])
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [...groups].map(([group, versions]) => ({
      metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
      versions: versions.map((v) => versionDiscovery(group, v)),
    })),
  }
}
