/**
 * Name, label and annotation validation with Kubernetes' exact messages
 * (k8s.io/apimachinery/pkg/util/validation, pkg/api/validation, pkg/apis/meta/v1/validation,
 * apiserver/pkg/storage/names). The `is*` functions return the list of problems (empty: valid);
 * the `validate*` functions wrap them in field errors the way Kubernetes does.
 */
import { type FieldError, type FieldPath, invalid, tooLong } from '../field-errors.ts'

/** Go's len(): UTF-8 bytes. */
export function byteLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

export const emptyError = (): string => 'must be non-empty'
export const maxLenError = (length: number): string => `must be no more than ${length} characters`

/** validation.RegexError. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`
}

const anchored = (fmt: string): RegExp => new RegExp(`^(?:${fmt})$`)

export const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
export const DNS1123_LABEL_ERR_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
export const DNS1123_LABEL_MAX_LENGTH = 63
export const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
export const DNS1123_SUBDOMAIN_ERR_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253
export const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?'
export const DNS1035_LABEL_ERR_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
export const DNS1035_LABEL_MAX_LENGTH = 63
export const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
export const QUALIFIED_NAME_ERR_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
export const QUALIFIED_NAME_MAX_LENGTH = 63
export const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`
export const LABEL_VALUE_ERR_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
export const LABEL_VALUE_MAX_LENGTH = 63
/** apimachinery TotalAnnotationSizeLimitB: keys plus values, 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024

const dns1123Label = anchored(DNS1123_LABEL_FMT)
const dns1123Subdomain = anchored(DNS1123_SUBDOMAIN_FMT)
const dns1035Label = anchored(DNS1035_LABEL_FMT)
const qualifiedName = anchored(QUALIFIED_NAME_FMT)
const labelValue = anchored(LABEL_VALUE_FMT)

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH))
  if (!dns1123Label.test(value)) {
    // A valid subdomain but not a valid label: since the length was checked, it must be dots.
    if (dns1123Subdomain.test(value)) errs.push('must not contain dots')
    else errs.push(regexError(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'))
  }
  return errs
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!dns1123Subdomain.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'))
  return errs
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH))
  if (!dns1035Label.test(value)) errs.push(regexError(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'))
  return errs
}

/** validation.IsQualifiedName: `[prefix/]name`, prefix a DNS subdomain, name at most 63 characters. Used for label keys. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = parts[0] ?? ''
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? ''
    name = parts[1] ?? ''
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`)
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`)
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`)
  else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`)
  if (!qualifiedName.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`)
  return errs
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH))
  if (!labelValue.test(value)) errs.push(regexError(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'))
  return errs
}

/** ValidateNameFunc: `prefix` is true when validating a generateName (a trailing '-' is then allowed). */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[]

/** A generateName may end in '-': validate it as if the dash were a letter. */
export const maskTrailingDash = (name: string): string => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name)

/** Most kinds (pods, configmaps, deployments, ...). */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)
/** Namespaces, nodes' ... kinds whose names are DNS labels. */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name)
/** Services. */
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name)

/** path.ValidatePathSegmentName: the generic check every name passes (it becomes a URL path segment and a store key segment). */
export const validatePathSegmentName: ValidateNameFunc = (name, prefix) => {
  if (!prefix) for (const illegal of ['.', '..']) if (name === illegal) return [`may not be '${illegal}'`]
  const errs: string[] = []
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`)
  return errs
}

const sortedEntries = (m: Readonly<Record<string, string>>): [string, string][] =>
  Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** v1validation.ValidateLabels: every error is on the `labels` path itself (Kubernetes does not key it). Keys are visited sorted. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = []
  if (!labels) return errs
  for (const [k, v] of sortedEntries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg))
    if (typeof v !== 'string') {
      errs.push(invalid(path, v, 'label values must be strings'))
      continue
    }
    for (const msg of isValidLabelValue(v)) errs.push(invalid(path, v, msg))
  }
  return errs
}

/** Sum of key and value bytes, as ValidateAnnotationsSize counts. */
export function annotationsSize(annotations: Readonly<Record<string, string>>): number {
  let total = 0
  for (const [k, v] of Object.entries(annotations)) total += byteLength(k) + byteLength(typeof v === 'string' ? v : String(v))
  return total
}

/** ValidateAnnotations: keys are qualified names compared case-insensitively; keys plus values at most 256 KiB. */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = []
  if (!annotations) return errs
  for (const [k] of sortedEntries(annotations)) for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg))
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_B))
  return errs
}

/** utilrand's alphabet: no vowels (no words), no confusable characters. */
export const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'
export const GENERATE_NAME_RANDOM_LENGTH = 5
/** names.MaxGeneratedNameLength: the prefix is cut so that the result fits 63 characters. */
export const MAX_GENERATED_NAME_PREFIX_LENGTH = 63 - GENERATE_NAME_RANDOM_LENGTH

/** names.SimpleNameGenerator: prefix (cut to 58) + 5 random characters. `random` returns a float in [0, 1), like Math.random. */
export function generateName(base: string, random: () => number): string {
  const prefix = base.length > MAX_GENERATED_NAME_PREFIX_LENGTH ? base.slice(0, MAX_GENERATED_NAME_PREFIX_LENGTH) : base
  let suffix = ''
  for (let i = 0; i < GENERATE_NAME_RANDOM_LENGTH; i++) {
    const r = random()
    const idx = Math.min(GENERATE_NAME_ALPHABET.length - 1, Math.max(0, Math.floor(r * GENERATE_NAME_ALPHABET.length)))
    suffix += GENERATE_NAME_ALPHABET[idx]
  }
  return prefix + suffix
}
