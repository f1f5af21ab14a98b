/** Small validators for actor options from host configs; errors name the field. */
export function optionsObject(raw: unknown, kind: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {}
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`${kind} options: expected a mapping`)
  return raw as Record<string, unknown>
}

export function positiveNumber(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${field}: expected a positive number, got ${JSON.stringify(value)}`)
  }
  return value
}

/** The apiserver (master) actor ids a component talks to: a non-empty list of subject tokens. */
export function apiserverIds(value: unknown, kind: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((a) => typeof a === 'string' && /^[A-Za-z0-9_-]+$/.test(a))) {
    throw new TypeError(`${kind}.apiservers: expected the apiserver (master) ids`)
  }
  return value as string[]
}
