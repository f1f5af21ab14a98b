/** ControllerRevision validation: data mandatory and immutable, revision a whole number >= 0. */
import t from 'tap'
import { validateKind } from '../../../actors/apiserver/validation/kinds.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'

const revision = (fields: Record<string, unknown>): KubeObject => ({ kind: 'ControllerRevision', metadata: { name: 'agent-h1', namespace: 'default' }, ...fields }) as KubeObject
const errorsOf = (o: KubeObject, old?: KubeObject) => validateKind('ControllerRevision', o, old).map((e) => `${e.field}: ${e.message}`)

type Case = readonly [name: string, object: Record<string, unknown>, old: Record<string, unknown> | undefined, errors: readonly string[]]

const data = { spec: { template: { $patch: 'replace' } } }
const CASES: readonly Case[] = [
  ['valid', { data, revision: 1 }, undefined, []],
  ['revision absent is 0', { data }, undefined, []],
  ['no data', { revision: 1 }, undefined, ['data: Required value: data is mandatory']],
  ['negative revision', { data, revision: -1 }, undefined, ['revision: Invalid value: -1: must be greater than or equal to 0']],
  ['renumbered on update', { data, revision: 3 }, { data, revision: 1 }, []],
  ['data changed on update', { data: { spec: {} }, revision: 1 }, { data, revision: 1 }, ['data: Invalid value: {"spec":{}}: field is immutable']],
]

for (const [name, object, old, errors] of CASES) {
  t.test(`ControllerRevision - ${name}`, (t) => {
    t.same(errorsOf(revision(object), old === undefined ? undefined : revision(old)), errors)
    t.end()
  })
}
