/**
 * A tiny protobuf writer for tests: tags and varints by hand, from Kubernetes' published field
 * numbers, so golden bytes do not come from the encoder under test. Not a test file.
 */
const VARINT = 0
const LENGTH = 2
const utf8 = new TextEncoder()
export function varint(n: number): number[] {
  const out: number[] = []
  let v = BigInt.asUintN(64, BigInt(n))
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) byte |= 0x80
    out.push(byte)
  } while (v !== 0n)
  return out
}
export const tag = (field: number, wire: number) => varint((field << 3) | wire)
export const bytes = (field: number, payload: readonly number[]) => [...tag(field, LENGTH), ...varint(payload.length), ...payload]
export const str = (field: number, s: string) => bytes(field, [...utf8.encode(s)])
export const int = (field: number, n: number) => [...tag(field, VARINT), ...varint(n)]
export const msg = (field: number, ...parts: number[][]) => bytes(field, parts.flat())
/** A map entry: key = 1, value = 2. */
export const entry = (field: number, key: string, value: number[]) => msg(field, str(1, key), value)
/** `k8s\0` + runtime.Unknown{typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4}. */
export const envelope = (apiVersion: string, kind: string, ...raw: number[][]) =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, apiVersion), str(2, kind)), ...bytes(2, raw.flat()), ...str(3, ''), ...str(4, '')])
/** ObjectMeta (field 1 of every kind): name = 1, namespace = 3. */
export const meta = (name: string, ...more: number[][]) => msg(1, str(1, name), ...more)

