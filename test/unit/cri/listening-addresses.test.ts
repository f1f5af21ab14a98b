import t from 'tap'
import { parseListeningIPv4 } from '../../../runtime/cri/process/listening-addresses.ts'

/** Four sockets as /proc/net/tcp shows them on x86: listeners on 127.1.0.1:8080, 127.0.0.1:4222 and 0.0.0.0:22, and an established connection from 127.2.0.5. */
const LITTLE_ENDIAN_TEXT = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100017F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 128717 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:107E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 127928 1 0000000000000000 100 0 0 10 0',
  '   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 263 1 0000000000000000 100 0 0 10 0',
  '   3: 0500027F:9C40 0100017F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 129177 1 0000000000000000 20 4 30 10 -1',
  '',
].join('\n')

t.test('listening addresses - the local addresses of LISTEN sockets, octets in host byte order', async (t) => {
  t.same([...parseListeningIPv4(LITTLE_ENDIAN_TEXT, true)].sort(), ['127.0.0.1', '127.1.0.1'], 'the wildcard and the connected socket are left out')
})

t.test('listening addresses - a big-endian machine prints the octets in order', async (t) => {
  t.same([...parseListeningIPv4('  sl  local_address\n   0: 7F010001:1F90 00000000:0000 0A\n', false)], ['127.1.0.1'])
})

t.test('listening addresses - no sockets, or text that is not /proc/net/tcp, gives none', async (t) => {
  t.same([...parseListeningIPv4('  sl  local_address rem_address   st\n', true)], [])
  t.same([...parseListeningIPv4('garbage\nnot: a line\n', true)], [])
})
