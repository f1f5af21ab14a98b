/**
 * Pod addresses from one IPv4 CIDR. Addresses are handed out in order and a released one is
 * reused before the range grows, so a host that churns pods never runs dry; nothing is stored per
 * address that was never handed out (a /8 holds 16 million of them).
 */
export class IpPool {
  readonly cidr: string
  readonly #base: number
  readonly #size: number
  #next = 1
  readonly #released: number[] = []
  readonly #inUse = new Set<number>()

  /** `cidr` such as 10.128.0.0/9; prefixes /8 to /30. Throws a RangeError naming a bad one. */
  constructor(cidr: string) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim())
    const octets = m ? m.slice(1, 5).map(Number) : []
    const prefix = m ? Number(m[5]) : NaN
    if (!m || octets.some((o) => o > 255) || !(prefix >= 8 && prefix <= 30)) {
      throw new RangeError(`pod CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR with a prefix from /8 to /30`)
    }
    this.cidr = cidr
    this.#size = 2 ** (32 - prefix)
    const address = octets.reduce((sum, o) => sum * 256 + o, 0)
    this.#base = address - (address % this.#size)
  }

  /** Usable addresses (network and broadcast addresses excluded). */
  get capacity(): number {
    return this.#size - 2
  }

  get allocated(): number {
    return this.#inUse.size
  }

  /**
   * The next free address that `usable` accepts; throws when the range is exhausted. Addresses
   * `usable` turns down (something else on the machine holds them) stay free and are tried first
   * next time.
   */
  allocate(usable: (ip: string) => boolean = () => true): string {
    const skipped: number[] = []
    try {
      for (;;) {
        const offset = this.#takeOffset()
        const ip = formatIp(this.#base + offset)
        if (usable(ip)) {
          this.#inUse.add(offset)
          return ip
        }
        skipped.push(offset)
      }
    } finally {
      // #released is a stack: pushed back highest first, the lowest is offered first again.
      for (const offset of skipped.reverse()) this.#released.push(offset)
    }
  }

  #takeOffset(): number {
    const offset = this.#released.pop()
    if (offset !== undefined) return offset
    if (this.#next > this.#size - 2) throw new RangeError(`pod CIDR ${this.cidr} has no free address (${this.capacity} in use)`)
    return this.#next++
  }

  /**
   * `preferred` when it is in the range and free (a pod started again by a new kubelet keeps the
   * address the API knows it by) and `usable`, else the next free one `usable` accepts.
   */
  allocatePreferring(preferred: string | undefined, usable: (ip: string) => boolean = () => true): string {
    if (preferred !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(preferred) && usable(preferred)) {
      const offset = parseIp(preferred) - this.#base
      if (offset >= 1 && offset <= this.#size - 2 && !this.#inUse.has(offset)) {
        const released = this.#released.indexOf(offset)
        if (released >= 0) this.#released.splice(released, 1)
        else if (offset >= this.#next) {
          // Offsets skipped on the way become free ones, lowest handed out first.
          for (let o = offset - 1; o >= this.#next; o--) this.#released.push(o)
          this.#next = offset + 1
        } else {
          return this.allocate(usable)
        }
        this.#inUse.add(offset)
        return formatIp(this.#base + offset)
      }
    }
    return this.allocate(usable)
  }

  /** Gives an address back; unknown addresses are ignored. */
  release(ip: string): void {
    const offset = parseIp(ip) - this.#base
    if (this.#inUse.delete(offset)) this.#released.push(offset)
  }
}

function parseIp(ip: string): number {
  return ip.split('.').reduce((sum, o) => sum * 256 + Number(o), 0)
}

function formatIp(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`
}
