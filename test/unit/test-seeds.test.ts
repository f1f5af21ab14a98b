import t from 'tap'
import { replayCommand, seedComment, seedsComment, seedsFrom } from '../helpers/seeds.ts'

t.test('test seeds - the fixed list unless the variable names others', async (t) => {
  t.strictSame(seedsFrom('X_SEED', [1, 2], {}), [1, 2])
  t.strictSame(seedsFrom('X_SEED', [1, 2], { X_SEED: '' }), [1, 2], 'empty is unset')
  t.strictSame(seedsFrom('X_SEED', [1, 2], { X_SEED: '1957142857' }), [1957142857])
  t.strictSame(seedsFrom('X_SEED', [1, 2], { X_SEED: ' 7, 8 ,-9' }), [7, 8, -9])
})

t.test('test seeds - a malformed value throws a RangeError quoting it', async (t) => {
  for (const raw of ['12abc', '1,,2', '1.5', 'seven', '1,']) {
    t.throws(() => seedsFrom('X_SEED', [1], { X_SEED: raw }), { name: 'RangeError', message: `X_SEED: expected integers separated by commas, got ${JSON.stringify(raw)}` })
  }
})

t.test('test seeds - the replay command names the file from the repository root', async (t) => {
  t.equal(replayCommand('X_SEED', 5, import.meta.url), 'X_SEED=5 npx tap test/unit/test-seeds.test.ts')
  t.equal(seedComment('X_SEED', 5, import.meta.url), 'seed 5 (replay: X_SEED=5 npx tap test/unit/test-seeds.test.ts)')
  t.equal(seedsComment('X_SEED', [5, 6], import.meta.url), 'seeds 5,6 (replay one: X_SEED=<seed> npx tap test/unit/test-seeds.test.ts)')
})
