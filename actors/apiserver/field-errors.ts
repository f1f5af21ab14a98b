/**
 * Validation errors with Kubernetes field paths (k8s.io/apimachinery field.Error): what a 422
 * Invalid Status lists in `details.causes`, and what kubectl prints as
 * `The Pod "x" is invalid: spec.containers[0].image: Required value`.
 */

/** Kubernetes' cause reasons (metav1.CauseType) for field errors. */
export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueForbidden'
  | 'FieldValueTypeInvalid'

export interface FieldError {
  readonly reason: FieldErrorReason
  /** Path as Kubernetes prints it: `spec.containers[0].image`, `metadata.labels[app]`. */
  readonly field: string
  /** Kubernetes' wording: "Required value", `Invalid value: "X": reason`, ... */
  readonly message: string
}

/** Builds paths: `path('spec').child('containers').index(0).child('image').toString()`. */
export class FieldPath {
  readonly #text: string

  private constructor(text: string) {
    this.#text = text
  }

  static root(name: string): FieldPath {
    return new FieldPath(name)
  }

  child(name: string): FieldPath {
    return new FieldPath(this.#text === '' ? name : `${this.#text}.${name}`)
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.#text}[${i}]`)
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.#text}[${k}]`)
  }

  toString(): string {
    return this.#text
  }
}

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value))

export const required = (path: FieldPath, detail = ''): FieldError => ({
  reason: 'FieldValueRequired',
  field: path.toString(),
  message: detail ? `Required value: ${detail}` : 'Required value',
})

export const invalid = (path: FieldPath, value: unknown, detail: string): FieldError => ({
  reason: 'FieldValueInvalid',
  field: path.toString(),
  message: `Invalid value: ${show(value)}: ${detail}`,
})

export const notSupported = (path: FieldPath, value: unknown, supported: readonly string[]): FieldError => ({
  reason: 'FieldValueNotSupported',
  field: path.toString(),
  message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
})

export const duplicate = (path: FieldPath, value: unknown): FieldError => ({
  reason: 'FieldValueDuplicate',
  field: path.toString(),
  message: `Duplicate value: ${show(value)}`,
})

export const tooLong = (path: FieldPath, max: number): FieldError => ({
  reason: 'FieldValueTooLong',
  field: path.toString(),
  message: `Too long: may not be more than ${max} bytes`,
})

/** field.TooMany: `Too many: 21: must have at most 20 items`. */
export const tooMany = (path: FieldPath, actual: number, max: number): FieldError => ({
  reason: 'FieldValueTooMany',
  field: path.toString(),
  message: `Too many: ${actual}: must have at most ${max} items`,
})

/** field.Invalid with field.OmitValueType: the value is left out (`Invalid value: <detail>`). */
export const invalidOmitValue = (path: FieldPath, detail: string): FieldError => ({
  reason: 'FieldValueInvalid',
  field: path.toString(),
  message: `Invalid value: ${detail}`,
})

export const forbidden = (path: FieldPath, detail: string): FieldError => ({
  reason: 'FieldValueForbidden',
  field: path.toString(),
  message: `Forbidden: ${detail}`,
})

export const typeInvalid = (path: FieldPath, value: unknown, detail: string): FieldError => ({
  reason: 'FieldValueTypeInvalid',
  field: path.toString(),
  message: `Invalid value: ${show(value)}: ${detail}`,
})
