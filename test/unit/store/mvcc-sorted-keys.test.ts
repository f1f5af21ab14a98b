import t, { type Test } from 'tap'
import { seededRandom } from '../../../runtime/random.ts'
import { SortedKeys } from '../../../actors/store/mvcc/sorted-keys.ts'
import { seedComment, seedsFrom } from '../../helpers/seeds.ts'

// Fixed seed; SORTED_KEYS_SEED=<seed>[,<seed>...] runs others.
const SEED_ENV = 'SORTED_KEYS_SEED'

for (const seed of seedsFrom(SEED_ENV, [11])) {
  t.test(`mvcc sorted keys - random inserts across many chunk splits stay sorted (seed ${seed})`, (t) => randomInsertsStaySorted(t, seed))
}

async function randomInsertsStaySorted(t: Test, seed: number): Promise<void> {
  t.comment(seedComment(SEED_ENV, seed, import.meta.url))
  const random = seededRandom(seed)
  const keys = new SortedKeys()
  const reference = new Set<string>()
  while (reference.size < 20_000) {
    const key = `/k/${Math.floor(random() * 1e9).toString(36)}`
    if (reference.has(key)) continue
    reference.add(key)
    keys.insert(key)
  }
  const sorted = [...reference].sort()
  t.equal(keys.size, sorted.length)
  t.strictSame([...keys.all()], sorted, 'all() is ascending')
  for (let i = 0; i < 200; i++) {
    const probe = `/k/${Math.floor(random() * 1e9).toString(36)}`
    const want = sorted.filter((k) => k >= probe).slice(0, 5)
    const got: string[] = []
    for (const k of keys.from(probe)) {
      got.push(k)
      if (got.length === 5) break
    }
    if (JSON.stringify(got) !== JSON.stringify(want)) t.strictSame(got, want, `from(${probe})`)
  }
  t.strictSame([...keys.from('/l')], [], 'past the end')
  t.strictSame([...keys.from('')].length, sorted.length, 'before the start')
  t.strictSame([...SortedKeys.fromSorted(sorted).all()], sorted, 'fromSorted')
  t.strictSame([...new SortedKeys().from('a')], [], 'empty')
}
