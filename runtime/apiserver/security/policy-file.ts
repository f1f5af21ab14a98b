/**
 * Loads an authorization policy file (YAML; the format is documented in
 * actors/apiserver/authz/policy.ts) and validates it. Errors name the file and the field:
 * `policy.yaml: roleBindings[0].roleRef.kind: Unsupported value: "Rol": ...`.
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { defaultPolicy, formatPolicyErrors, parsePolicy, type Policy } from '../../../actors/apiserver/authz/policy.ts'

export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError'
}

/** Parses and validates policy YAML text; `source` names it in errors. */
export function parsePolicyYaml(text: string, source = 'policy'): Policy {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    throw new PolicyFileError(`${source}: invalid YAML: ${(err as Error).message}`)
  }
  const result = parsePolicy(doc)
  if (!result.ok) {
    throw new PolicyFileError(formatPolicyErrors(result.errors).split('\n').map((l) => `${source}: ${l}`).join('\n'))
  }
  return result.policy
}

/** Loads the policy file; a missing file (when `optional`) is the default policy (built-ins only). */
export async function loadPolicyFile(path: string, options: { optional?: boolean } = {}): Promise<Policy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (options.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return defaultPolicy()
    throw err
  }
  return parsePolicyYaml(text, path)
}
