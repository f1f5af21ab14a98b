/**
 * The few file operations whose timing and count matter for durability, behind an interface
 * so that tests can count and delay fsyncs (group commit) or fail them. Everything else
 * (reading, listing, unlinking) uses node:fs directly.
 */
import { open } from 'node:fs/promises'

/** A file opened for appending. */
export interface AppendFile {
  /** Writes all of `bytes` at the end of the file. */
  write(bytes: Uint8Array): Promise<void>
  /** fdatasync is not enough for a new file's size, so this is a full fsync. */
  sync(): Promise<void>
  close(): Promise<void>
}

export interface DiskIo {
  openAppend(path: string): Promise<AppendFile>
  /** fsyncs a directory so that a created, renamed or deleted name inside it is durable. */
  syncDir(path: string): Promise<void>
}

export const nodeIo: DiskIo = {
  async openAppend(path) {
    const handle = await open(path, 'a')
    return {
      async write(bytes) {
        let done = 0
        while (done < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.length - done)
          done += bytesWritten
        }
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    }
  },
  async syncDir(path) {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
}
