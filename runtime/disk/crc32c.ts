/**
 * CRC-32C (Castagnoli), table driven. Node 20 has no zlib.crc32 and the WAL must not pull in a
 * native module; Castagnoli is the polynomial storage systems use (better error detection on
 * short records than IEEE CRC-32, and what etcd/ext4/iSCSI use).
 */

const TABLE = buildTable(0x82f63b78)

function buildTable(reversedPolynomial: number): Uint32Array {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPolynomial : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/**
 * The CRC-32C of `bytes`. Pass a previous result as `previous` to continue a checksum over
 * several buffers (crc32c(b, crc32c(a)) === crc32c(a ++ b)).
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0
  for (let i = 0; i < bytes.length; i++) {
    crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  }
  return ~crc >>> 0
}
