/**
 * Which messages have a JSON of their own (metav1.Time, FieldsV1, IntOrString, Quantity: see
 * to-json.ts), remembered per message type: a type's full name is rebuilt on every read, and
 * the conversions ask for every message they meet.
 */
import { SPECIAL, type MessageType } from './registry.ts'

export type Special = keyof typeof SPECIAL | 'ordinary'

const BY_NAME = new Map<string, Special>(Object.entries(SPECIAL).map(([special, name]) => [`.${name}`, special as Special]))
const known = new WeakMap<MessageType, Special>()

export function specialOf(type: MessageType): Special {
  let special = known.get(type)
  if (special === undefined) {
    special = BY_NAME.get(type.fullName) ?? 'ordinary'
    known.set(type, special)
  }
  return special
}
