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
