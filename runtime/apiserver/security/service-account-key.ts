/**
 * The service account signing key (kube-apiserver's --service-account-signing-key-file and
 * --service-account-key-file): an ECDSA P-256 key pair, `sa.key` (PKCS#8, mode 0600) and `sa.pub`
 * (SPKI) under the security directory. `up` creates it once; every apiserver of the cluster reads
 * the same pair, so a token one of them issues is accepted by all. The file is created with an
 * exclusive link, so two apiservers starting at once agree on one key.
 *
 * The signer and verifier are the node:crypto side of actors/apiserver/serviceaccount/jwt.ts:
 * ES256 with the signature as r||s (JWS' form, not DER). The key id is Kubernetes' (keyIDFromPublicKey):
 * base64url of the SHA-256 of the public key's DER.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { JwsHeader, JwsSigner, JwsVerifier } from '../../../actors/apiserver/serviceaccount/jwt.ts'

export const SERVICE_ACCOUNT_KEY_FILE = 'sa.key'
export const SERVICE_ACCOUNT_PUBLIC_KEY_FILE = 'sa.pub'

export interface ServiceAccountKeys {
  readonly signer: JwsSigner
  readonly verifier: JwsVerifier
}

/** Reads `<dir>/sa.key`, creating the pair first if there is none. */
export async function ensureServiceAccountKey(dir: string): Promise<ServiceAccountKeys> {
  const path = join(dir, SERVICE_ACCOUNT_KEY_FILE)
  let pem = await readIfPresent(path)
  if (pem === undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
    await writeFile(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    try {
      // link() fails if the key exists: whoever linked first wins, the others read theirs.
      await link(tmp, path)
      await writeFile(join(dir, SERVICE_ACCOUNT_PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      await rm(tmp, { force: true })
    }
    pem = await readFile(path, 'utf8')
  }
  return serviceAccountKeys(pem)
}

/** The signer and verifier of a PKCS#8 PEM P-256 private key. */
export function serviceAccountKeys(privatePem: string): ServiceAccountKeys {
  const privateKey = createPrivateKey(privatePem)
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the service account key must be an ECDSA P-256 key (ES256)')
  }
  const publicKey = createPublicKey(privateKey)
  const keyId = keyIdOf(publicKey)
  return {
    signer: { algorithm: 'ES256', keyId, sign: (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }) },
    verifier: {
      verify(header: JwsHeader, data: Uint8Array, signature: Uint8Array): boolean {
        if (header.alg !== 'ES256' || (header.kid !== undefined && header.kid !== keyId) || signature.length !== 64) return false
        return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      },
    },
  }
}

const keyIdOf = (publicKey: KeyObject): string => createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url')

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
