/**
 * A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables),
 * when the container starts: first `envFrom` (each ConfigMap's or Secret's keys, with the
 * prefix; a later source overriding an earlier one), then `env` in order, each overriding what
 * came before: literal values with `$(VAR)` references to the variables so far, the downward
 * API's fieldRefs and resourceFieldRefs, and ConfigMap/Secret keys. The pod actor resolves it
 * from the objects the runtime read for it (envObjectRefs says which), so every runtime gets
 * plain strings. A ConfigMap, Secret or key that is missing and not optional fails the start
 * with the kubelet's message (CreateContainerConfigError).
 */
import type { Container, Pod, ResourceList } from '../kube/objects.ts'
import { type FieldRefContext, fieldRefValue, resourceValue } from './downward-api.ts'
import { type ObjectRef, objectPath, readFailure } from './volume-sources.ts'

/** What the env's fieldRefs and resourceFieldRefs read that is not in the pod object the API sent. */
export interface EnvContext extends FieldRefContext {
  /** The node's allocatable: what a resourceFieldRef reads for a limit the container does not set. */
  readonly allocatable?: ResourceList
}

export type EnvObjectKind = ObjectRef['kind']

/** A ConfigMap or Secret in the pod's namespace that a container's env refers to. */
export interface EnvObjectRef {
  readonly kind: EnvObjectKind
  readonly name: string
}

/** What reading one gave: its data (a Secret's decoded), that it does not exist, or why it could not be read. */
export type EnvObject = { readonly data: Readonly<Record<string, string>> } | { readonly notFound: true } | { readonly error: string }

/** The objects read for a container, by envObjectKey. */
export type EnvObjects = Readonly<Record<string, EnvObject>>

export const envObjectKey = (ref: EnvObjectRef): string => `${ref.kind}/${ref.name}`

/** The objects the container's env and envFrom refer to, each once, in the order referred to. */
export function envObjectRefs(container: Container): EnvObjectRef[] {
  const refs = new Map<string, EnvObjectRef>()
  const add = (kind: EnvObjectKind, name: string | undefined): void => {
    const ref = { kind, name: name ?? '' }
    if (!refs.has(envObjectKey(ref))) refs.set(envObjectKey(ref), ref)
  }
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) add('configmap', source.configMapRef.name)
    else if (source.secretRef) add('secret', source.secretRef.name)
  }
  for (const v of container.env ?? []) {
    // A literal value wins over valueFrom, as in the kubelet.
    if (v.value) continue
    if (v.valueFrom?.configMapKeyRef) add('configmap', v.valueFrom.configMapKeyRef.name)
    else if (v.valueFrom?.secretKeyRef) add('secret', v.valueFrom.secretKeyRef.name)
  }
  return [...refs.values()]
}

/** Where the API serves a referenced object. */
export const envObjectPath = (namespace: string, ref: EnvObjectRef): string => objectPath({ ...ref, namespace })

/** An API answer to a GET of envObjectPath as an EnvObject: 200 its data (only a ConfigMap's `data`, a Secret's decoded), 404 not found, else the error. */
export function envObjectFrom(kind: EnvObjectKind, status: number, body: unknown): EnvObject {
  if (status === 404) return { notFound: true }
  if (status !== 200) return { error: readFailure(status, body) }
  const raw = (body as { data?: unknown } | undefined)?.data
  const data: Record<string, string> = {}
  if (raw !== null && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') data[k] = kind === 'secret' ? decodeBase64(v) : v
  }
  return { data }
}

function decodeBase64(text: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)))
  } catch {
    return ''
  }
}

/**
 * Kubernetes' expansion (third_party/forked/golang/expansion): `$(NAME)` becomes the value of an
 * earlier variable, `$$` is a literal `$`, and a reference to an unknown name stays as written.
 */
export function expand(value: string, vars: Readonly<Record<string, string>>): string {
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]
    if (ch !== '$' || i + 1 >= value.length) {
      out += ch
      continue
    }
    const next = value[i + 1]
    if (next === '$') {
      out += '$'
      i++
    } else if (next === '(') {
      const close = value.indexOf(')', i + 2)
      if (close < 0) {
        out += value.slice(i)
        break
      }
      const name = value.slice(i + 2, close)
      out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`
      i = close
    } else {
      out += ch
    }
  }
  return out
}

/**
 * Whether a key may be a variable name: since RelaxedEnvironmentVariableValidation (on by
 * default from v1.32) any printable ASCII but `=`, and not empty.
 */
export function isEnvVarName(name: string): boolean {
  if (name === '') return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x3d) return false
  }
  return true
}

/** The resolved environment, with the messages of the InvalidEnvironmentVariableNames events; or why the container cannot be created. */
export type EnvResult =
  | { readonly ok: true; readonly env: Record<string, string>; readonly invalidNames: readonly string[] }
  | { readonly ok: false; readonly message: string }

class EnvError extends Error {}

const title = { configmap: 'ConfigMap', secret: 'Secret' } as const

/**
 * The object `ref` names from what was read: its data, or undefined when it is missing and
 * `optional`; throws with the kubelet's message otherwise (`configmap "game" not found`, as the
 * kubelet's configmap manager words its NotFound).
 */
function objectData(ref: EnvObjectRef, optional: boolean | undefined, namespace: string, objects: EnvObjects): Readonly<Record<string, string>> | undefined {
  const found = objects[envObjectKey(ref)]
  if (found === undefined) throw new EnvError(`couldn't get ${ref.kind === 'configmap' ? 'configMap' : 'secret'} ${namespace}/${ref.name}, no kubeClient defined`)
  if ('data' in found) return found.data
  if ('notFound' in found) {
    if (optional === true) return undefined
    throw new EnvError(`${ref.kind} "${ref.name}" not found`)
  }
  throw new EnvError(found.error)
}

/**
 * The container's env (kubelet's makeEnvironmentVariables), from the objects envObjectRefs named
 * as they were read at this start.
 */
export function resolveEnv(container: Container, pod: Pod, ctx: EnvContext, objects: EnvObjects = {}): EnvResult {
  const namespace = pod.metadata.namespace ?? 'default'
  const env: Record<string, string> = {}
  const invalidNames: string[] = []
  try {
    for (const source of container.envFrom ?? []) {
      const kind: EnvObjectKind | undefined = source.configMapRef ? 'configmap' : source.secretRef ? 'secret' : undefined
      const ref = source.configMapRef ?? source.secretRef
      if (kind === undefined || ref === undefined) continue
      const name = ref.name ?? ''
      const data = objectData({ kind, name }, ref.optional, namespace, objects)
      if (data === undefined) continue
      const invalid: string[] = []
      for (const [key, value] of Object.entries(data)) {
        const variable = `${source.prefix ?? ''}${key}`
        if (isEnvVarName(variable)) env[variable] = value
        else invalid.push(variable)
      }
      if (invalid.length > 0) {
        invalid.sort()
        const from = kind === 'configmap' ? 'configMap' : 'secret'
        invalidNames.push(`Keys [${invalid.join(', ')}] from the EnvFrom ${from} ${namespace}/${name} were skipped since they are considered invalid environment variable names.`)
      }
    }
    for (const v of container.env ?? []) {
      const value = envVarValue(v, container, pod, ctx, namespace, objects, env)
      if (value !== undefined) env[v.name] = value
    }
  } catch (error) {
    if (error instanceof EnvError) return { ok: false, message: error.message }
    throw error
  }
  return { ok: true, env, invalidNames }
}

type EnvVarOf = NonNullable<Container['env']>[number]
type ResourceFieldRef = NonNullable<NonNullable<EnvVarOf['valueFrom']>['resourceFieldRef']>

/** One variable's value; undefined when it refers to an optional ConfigMap/Secret or key that is missing (the variable is left out). */
function envVarValue(v: EnvVarOf, container: Container, pod: Pod, ctx: EnvContext, namespace: string, objects: EnvObjects, sofar: Readonly<Record<string, string>>): string | undefined {
  if (v.value) return expand(v.value, sofar)
  const from = v.valueFrom
  if (from === undefined) return ''
  if (from.fieldRef) return fieldRefValue(pod, from.fieldRef.fieldPath, ctx) ?? ''
  if (from.resourceFieldRef) return resourceFieldValue(from.resourceFieldRef, container, pod, ctx)
  const selector = from.configMapKeyRef ?? from.secretKeyRef
  if (selector === undefined) return ''
  const kind: EnvObjectKind = from.configMapKeyRef ? 'configmap' : 'secret'
  const name = selector.name ?? ''
  const data = objectData({ kind, name }, selector.optional, namespace, objects)
  if (data === undefined) return undefined
  if (Object.hasOwn(data, selector.key)) return data[selector.key]
  if (selector.optional === true) return undefined
  throw new EnvError(`couldn't find key ${selector.key} in ${title[kind]} ${namespace}/${name}`)
}

/**
 * The container with `$(VAR)` in its command and args expanded against its resolved env, as the
 * kubelet runs it (ExpandContainerCommandAndArgs); an unknown name stays as written.
 */
export function expandCommand(container: Container, env: Readonly<Record<string, string>>): Container {
  if (container.command === undefined && container.args === undefined) return container
  return {
    ...container,
    ...(container.command !== undefined ? { command: container.command.map((c) => expand(c, env)) } : {}),
    ...(container.args !== undefined ? { args: container.args.map((a) => expand(a, env)) } : {}),
  }
}

/**
 * A resourceFieldRef's value: downward-api.ts' resourceValue (the container's request or
 * limit, a missing limit read as the node's allocatable, over the divisor, rounded up), where an
 * empty containerName is the container itself.
 */
function resourceFieldValue(ref: ResourceFieldRef, container: Container, pod: Pod, ctx: EnvContext): string {
  const value = resourceValue(pod, { ...ref, containerName: ref.containerName || container.name }, ctx.allocatable ?? {})
  if (value === undefined) throw new EnvError(`unsupported container resource : ${ref.resource}`)
  return value
}
