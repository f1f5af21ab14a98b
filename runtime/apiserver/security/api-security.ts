/**
 * Everything an API server needs to be reached safely, in one directory: `pki/` (CA and serving
 * certificate), `tokens.csv` (bearer tokens; an admin token is created on first start), `sa.key`
 * (the service account signing key) and an optional `policy.yaml` (authorization; built-in roles only when absent). `actorkube up` calls
 * this once before starting the masters, so that they share one CA and one token file.
 */
import { join } from 'node:path'
import type { Policy } from '../../../actors/apiserver/authz/policy.ts'
import { ensurePki, type Pki } from './pki.ts'
import { ensureServiceAccountKey, type ServiceAccountKeys } from './service-account-key.ts'
import { loadPolicyFile } from './policy-file.ts'
import { ensureTokenFile, TokenAuthenticator, type TokenFile } from './tokens.ts'

export interface ApiSecurity {
  readonly pki: Pki
  readonly tokens: TokenFile
  readonly authenticator: TokenAuthenticator
  readonly policy: Policy
  /** Signs and checks service account tokens (`sa.key`). */
  readonly serviceAccountKeys: ServiceAccountKeys
}

export async function ensureApiSecurity(dir: string, hosts: readonly string[] = []): Promise<ApiSecurity> {
  const pki = await ensurePki({ dir: join(dir, 'pki'), hosts })
  const tokens = await ensureTokenFile(join(dir, 'tokens.csv'))
  const policy = await loadPolicyFile(join(dir, 'policy.yaml'), { optional: true })
  const serviceAccountKeys = await ensureServiceAccountKey(dir)
  return { pki, tokens, authenticator: new TokenAuthenticator(tokens.entries), policy, serviceAccountKeys }
}
