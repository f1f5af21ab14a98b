/**
 * Downward API values as files (actors/pod/downward-api-files.ts): metadata fields, the label and
 * annotation maps as fieldpath.FormatMap writes them, and resourceFieldRefs with divisors and the
 * node's allocatable for limits a container does not set.
 */
import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import { downwardApiFiles, formatMap } from '../../../actors/pod/downward-api-files.ts'
import { resourceValue } from '../../../actors/pod/downward-api.ts'

const POD: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { 'build': 'say "hi"' } },
  spec: {
    containers: [
      { name: 'app', image: 'busybox', resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1500m', memory: '64Mi' } } },
      { name: 'side', image: 'busybox' },
    ],
  },
}

t.test('downward API - fieldRefs', async (t) => {
  const cases: [string, string][] = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'shop'],
    ['metadata.uid', 'u-1'],
    ['metadata.labels', 'app="web"\ntier="front"'],
    ['metadata.annotations', 'build="say \\"hi\\""'],
    ["metadata.labels['tier']", 'front'],
  ]
  for (const [fieldPath, want] of cases) {
    const out = downwardApiFiles([{ path: 'f', fieldRef: { fieldPath } }], 0o644, POD)
    t.same(out, { files: [{ path: 'f', content: want, encoding: 'utf8', mode: 0o644 }] }, fieldPath)
  }
  t.same(formatMap({}), '', 'no labels: an empty file')
  t.match(downwardApiFiles([{ path: 'f', fieldRef: { fieldPath: 'spec.nope' } }], 0o644, POD), { error: /unsupported fieldPath "spec.nope"/ })
})

t.test('downward API - resourceFieldRefs', async (t) => {
  const allocatable = { cpu: '4', memory: '8Gi' }
  const cases: [string, string, string | number | undefined, string | undefined][] = [
    ['app', 'limits.cpu', undefined, '2'],
    ['app', 'limits.cpu', '1m', '1500'],
    ['app', 'requests.cpu', '1m', '250'],
    ['app', 'limits.memory', undefined, String(64 * 2 ** 20)],
    ['app', 'limits.memory', '1Mi', '64'],
    ['app', 'requests.memory', '1Mi', '32'],
    ['side', 'limits.cpu', undefined, '4'],
    ['side', 'limits.memory', '1Gi', '8'],
    ['side', 'requests.memory', undefined, '0'],
    ['nope', 'limits.cpu', undefined, undefined],
    ['app', 'limits.gpu', undefined, undefined],
  ]
  for (const [containerName, resource, divisor, want] of cases) {
    t.equal(resourceValue(POD, { containerName, resource, ...(divisor !== undefined ? { divisor } : {}) }, allocatable), want, `${containerName} ${resource} / ${divisor ?? 1}`)
  }
  t.same(downwardApiFiles([{ path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' }, mode: 0o400 }], 0o644, POD, allocatable), { files: [{ path: 'mem', content: '64', encoding: 'utf8', mode: 0o400 }] })
})
