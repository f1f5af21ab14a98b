/**
 * A token bucket (client-go's flowcontrol rate limiter): up to `burst` tokens, refilled at `rate`
 * tokens a second. Pure: the bucket is state the caller threads through, time comes in as `now`
 * (ms). The node lifecycle controller limits evictions per zone with it (burst 1), a kubelet
 * host the Events it writes.
 */

/** `tokens` in [0, burst] as of `at` (ms). */
export interface Bucket {
  readonly tokens: number
  readonly at: number
}

/** The bucket refilled at `rate` tokens/s up to `burst`; a bucket not started yet is full. */
export function refill(bucket: Bucket | undefined, rate: number, now: number, burst = 1): Bucket {
  if (bucket === undefined) return { tokens: burst, at: now }
  if (now <= bucket.at) return bucket
  return { tokens: Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate), at: now }
}

/**
 * TryAccept: a token if there is one. Otherwise how long until there is (undefined when the rate
 * is 0: nothing but a change of rate can help).
 */
export function tryAccept(bucket: Bucket | undefined, rate: number, now: number, burst = 1): { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; waitMs: number | undefined } {
  const b = refill(bucket, rate, now, burst)
  // Rate 0 is Kubernetes' never-limiter, whatever the bucket holds.
  if (rate <= 0) return { ok: false, bucket: b, waitMs: undefined }
  // A hair under 1 counts as a token: float steps must not delay one by a millisecond.
  if (b.tokens >= 1 - 1e-9) return { ok: true, bucket: { tokens: b.tokens - 1, at: now } }
  return { ok: false, bucket: b, waitMs: Math.ceil(((1 - b.tokens) / rate) * 1000) }
}
