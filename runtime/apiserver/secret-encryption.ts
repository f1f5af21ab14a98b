/**
 * Encryption at rest for the apiserver: the AES cipher port over node:crypto (nonces and IVs
 * from its CSPRNG: they must never repeat under one key), and the EncryptionConfiguration file
 * `encryption-config.yaml` in the security dir (under `actorkube up`'s state dir). With the file
 * present the apiserver encrypts what it names (Secrets, as written by `up --encrypt-secrets`);
 * without it, everything is stored plain.
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { parseEncryptionConfig, secretsEncryptionDocument } from '../../actors/apiserver/encryption/encryption-config.ts'
import { storageTransformer, type CipherPort, type StorageTransformer } from '../../actors/apiserver/encryption/storage-transformer.ts'

export const ENCRYPTION_CONFIG_FILE = 'encryption-config.yaml'
const GCM_TAG_BYTES = 16

const gcm = (key: Uint8Array) => `aes-${key.length * 8}-gcm` as CipherGCMTypes
const cbc = (key: Uint8Array) => `aes-${key.length * 8}-cbc`

export const nodeCipher: CipherPort = {
  gcmSeal(key, nonce, plaintext, additionalData) {
    const c = createCipheriv(gcm(key), key, nonce)
    c.setAAD(additionalData)
    return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
  },
  gcmOpen(key, nonce, sealed, additionalData) {
    if (sealed.length < GCM_TAG_BYTES) throw new Error('aesgcm: the stored value is too short')
    const d = createDecipheriv(gcm(key), key, nonce)
    d.setAAD(additionalData)
    d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES))
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), d.final()])
  },
  cbcEncrypt(key, iv, plaintext) {
    const c = createCipheriv(cbc(key), key, iv)
    return Buffer.concat([c.update(plaintext), c.final()])
  },
  cbcDecrypt(key, iv, ciphertext) {
    const d = createDecipheriv(cbc(key), key, iv)
    return Buffer.concat([d.update(ciphertext), d.final()])
  },
  randomBytes: (length) => randomBytes(length),
}

/** The transformer of `<securityDir>/encryption-config.yaml`, or undefined without the file; a bad file throws, naming the field. */
export function loadStorageTransformer(securityDir: string, cipher: CipherPort = nodeCipher): StorageTransformer | undefined {
  if (securityDir === '') return undefined
  const path = join(securityDir, ENCRYPTION_CONFIG_FILE)
  if (!existsSync(path)) return undefined
  try {
    return storageTransformer(parseEncryptionConfig(parse(readFileSync(path, 'utf8'))), cipher)
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Writes a configuration encrypting Secrets with a fresh 32-byte AES-GCM key, unless the file exists. Returns its path. */
export function ensureSecretsEncryption(securityDir: string): string {
  const path = join(securityDir, ENCRYPTION_CONFIG_FILE)
  if (!existsSync(path)) writeFileSync(path, stringify(secretsEncryptionDocument('key1', randomBytes(32))), { mode: 0o600 })
  return path
}
