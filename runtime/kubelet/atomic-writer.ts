/**
 * Kubernetes' AtomicWriter (pkg/volume/util/atomic_writer.go) for the files of a configMap,
 * secret, downwardAPI or projected volume: a reader never sees half of an update.
 *
 *   <dir>/..2026_12_07_01_02_03.123456789/<files>   a fresh timestamped directory per write
 *   <dir>/..data -> ..2026_12_07_...                  swapped by rename(2) (..data_tmp -> ..data)
 *   <dir>/<key>  -> ..data/<key>                      one link per top-level name of the payload
 *
 * Names no longer in the payload lose their link, and the previous timestamped directory goes.
 * A `readOnly` write takes the write bits off every file.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { PayloadFile } from '../../actors/pod/volume-payload.ts'

export const DATA_DIR_NAME = '..data'
const DATA_DIR_TMP_NAME = '..data_tmp'

/** Writes the payload into `dir` (made if missing); `now` names the timestamped directory. */
export function writeAtomically(dir: string, files: readonly PayloadFile[], now: number, options: { readonly readOnly?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true })
  const previous = currentDataDir(dir)
  const stamped = mkdtempSync(join(dir, `..${timestamp(now)}.`))
  for (const file of files) {
    const path = join(stamped, file.path)
    mkdirSync(dirname(path), { recursive: true })
    const mode = options.readOnly === true ? file.mode & 0o555 : file.mode
    writeFileSync(path, Buffer.from(file.content, file.encoding), { mode })
    chmodSync(path, mode)
  }
  const tmp = join(dir, DATA_DIR_TMP_NAME)
  rmSync(tmp, { force: true })
  symlinkSync(basename(stamped), tmp)
  renameSync(tmp, join(dir, DATA_DIR_NAME))

  const wanted = new Set(files.map((f) => f.path.split('/')[0]!))
  for (const name of wanted) {
    const link = join(dir, name)
    const target = join(DATA_DIR_NAME, name)
    if (isLinkTo(link, target)) continue
    rmSync(link, { force: true, recursive: true })
    symlinkSync(target, link)
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..') || wanted.has(name)) continue
    if (isLinkTo(join(dir, name), join(DATA_DIR_NAME, name))) unlinkSync(join(dir, name))
  }
  if (previous !== undefined && previous !== basename(stamped)) rmSync(join(dir, previous), { recursive: true, force: true })
}

/** The timestamped directory `..data` points at, if any. */
export function currentDataDir(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA_DIR_NAME))
  } catch {
    return undefined
  }
}

function isLinkTo(path: string, target: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && readlinkSync(path) === target
  } catch {
    return false
  }
}

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

/** `2006_01_02_15_04_05.` as AtomicWriter names its directories (mkdtemp adds the unique part). */
function timestamp(now: number): string {
  const d = new Date(now)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}_${two(d.getUTCHours())}_${two(d.getUTCMinutes())}_${two(d.getUTCSeconds())}`
}
