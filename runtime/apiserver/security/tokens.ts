/**
 * Static bearer tokens, in the format of kube-apiserver's `--token-auth-file`: one CSV record a
 * line, `token,user,uid,"group1,group2"` (the groups column is optional; a field holding a
 * comma is double-quoted, `""` is a literal quote). Blank lines and lines starting with `#`
 * are ignored.
 *
 * On first start {@link ensureTokenFile} creates the file (mode 0600) with a random admin
 * token (32 random bytes, base64url) for user `admin` in group `system:masters`.
 *
 * {@link TokenAuthenticator} checks an `Authorization: Bearer <token>` header. Every known
 * token is compared in constant time (SHA-256 digests with `timingSafeEqual`, and no early
 * exit), so the time taken reveals neither a token's prefix nor which entry matched. Like
 * kube-apiserver, an authenticated user is also in the group `system:authenticated`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

export const ADMIN_USER = 'admin'
export const MASTERS_GROUP = 'system:masters'
export const AUTHENTICATED_GROUP = 'system:authenticated'

export interface TokenEntry {
  readonly token: string
  readonly user: string
  readonly uid: string
  readonly groups: readonly string[]
}

/** Who a request is from, once authenticated. */
export interface Identity {
  readonly user: string
  readonly uid: string
  readonly groups: readonly string[]
}

export class TokenFileError extends Error {
  override readonly name = 'TokenFileError'
}

/** A new random token: 32 bytes, base64url (43 characters, no padding). */
export const generateToken = (): string => randomBytes(32).toString('base64url')

/** Splits one CSV record (RFC 4180 quoting). Throws on an unterminated quote. */
export function parseCsvRecord(line: string): string[] {
  const fields: string[] = []
  let field = ''
  let i = 0
  let quoted = false
  let wasQuoted = false
  while (i < line.length) {
    const c = line[i]
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i++
        continue
      }
      field += c
      i++
      continue
    }
    if (c === '"' && field === '' && !wasQuoted) {
      quoted = true
      wasQuoted = true
      i++
      continue
    }
    if (c === ',') {
      fields.push(field)
      field = ''
      wasQuoted = false
      i++
      continue
    }
    field += c
    i++
  }
  if (quoted) throw new TokenFileError('unterminated quoted field')
  fields.push(field)
  return fields
}

const quoteCsv = (field: string): string =>
  /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replaceAll('"', '""')}"` : field

/** Parses a token file. Errors name the line: `line 3: user is empty`. */
export function parseTokenFile(text: string): TokenEntry[] {
  const entries: TokenEntry[] = []
  const seen = new Set<string>()
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const where = `line ${index + 1}`
    let fields: string[]
    try {
      fields = parseCsvRecord(line)
    } catch (err) {
      throw new TokenFileError(`${where}: ${(err as Error).message}`)
    }
    if (fields.length < 3) {
      throw new TokenFileError(`${where}: expected token,user,uid[,"groups"], found ${fields.length} field(s)`)
    }
    const [token = '', user = '', uid = '', groupField = ''] = fields.map((f) => f.trim())
    if (token === '') throw new TokenFileError(`${where}: token is empty`)
    if (user === '') throw new TokenFileError(`${where}: user is empty`)
    if (seen.has(token)) throw new TokenFileError(`${where}: duplicate token`)
    seen.add(token)
    const groups = groupField === '' ? [] : groupField.split(',').map((g) => g.trim()).filter((g) => g !== '')
    entries.push({ token, user, uid, groups })
  })
  return entries
}

/** Renders entries as a token file (with a header comment). */
export function formatTokenFile(entries: readonly TokenEntry[]): string {
  const header = '# token,user,uid,"group1,group2" (kube-apiserver --token-auth-file format)\n'
  return (
    header +
    entries
      .map((e) => {
        const fields = [e.token, e.user, e.uid].map(quoteCsv)
        if (e.groups.length > 0) fields.push(`"${e.groups.join(',').replaceAll('"', '""')}"`)
        return `${fields.join(',')}\n`
      })
      .join('')
  )
}

export interface TokenFile {
  readonly path: string
  readonly entries: readonly TokenEntry[]
  /** Whether this call created the file. */
  readonly created: boolean
  /** The first entry for user `admin` in `system:masters`, if any (what the kubeconfig uses). */
  readonly admin: TokenEntry | undefined
}

const findAdmin = (entries: readonly TokenEntry[]): TokenEntry | undefined =>
  entries.find((e) => e.user === ADMIN_USER && e.groups.includes(MASTERS_GROUP))

/**
 * Reads the token file at `path`, or creates it (mode 0600, parent directory 0700) with one
 * random admin token if it does not exist. An existing file is never rewritten.
 */
export async function ensureTokenFile(path: string, token: () => string = generateToken): Promise<TokenFile> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (text !== undefined) {
    const entries = parseTokenFile(text)
    return { path, entries, created: false, admin: findAdmin(entries) }
  }
  const entries: TokenEntry[] = [{ token: token(), user: ADMIN_USER, uid: ADMIN_USER, groups: [MASTERS_GROUP] }]
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, formatTokenFile(entries), { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
  return { path, entries, created: true, admin: entries[0] }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** The token of an `Authorization` header value (`Bearer <token>`, scheme case-insensitive). */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (typeof value !== 'string') return undefined
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value)
  return match?.[1]
}

export class TokenAuthenticator {
  readonly #entries: readonly { readonly digest: Buffer; readonly identity: Identity }[]

  constructor(entries: readonly TokenEntry[]) {
    this.#entries = entries.map((e) => ({
      digest: digest(e.token),
      identity: {
        user: e.user,
        uid: e.uid,
        groups: e.groups.includes(AUTHENTICATED_GROUP) ? [...e.groups] : [...e.groups, AUTHENTICATED_GROUP],
      },
    }))
  }

  static async fromFile(path: string): Promise<TokenAuthenticator> {
    return new TokenAuthenticator(parseTokenFile(await readFile(path, 'utf8')))
  }

  /** The identity for a token, or undefined. Compares against every entry, in constant time. */
  authenticateToken(token: string): Identity | undefined {
    if (token === '') return undefined
    const presented = digest(token)
    let found: Identity | undefined
    for (const entry of this.#entries) {
      // No short-circuit: every entry is compared whatever matched before.
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry.identity
    }
    return found
  }

  /** The identity for an `Authorization` header value, or undefined (missing, malformed, unknown). */
  authenticate(header: string | readonly string[] | undefined): Identity | undefined {
    const token = bearerToken(header)
    return token === undefined ? undefined : this.authenticateToken(token)
  }
}
