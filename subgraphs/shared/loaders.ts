import DataLoader from 'dataloader';

/** Bounds one store trip (an HMGET or a pipeline) however many keys a request asks for at once. */
export const MAX_BATCH_SIZE = 500;

/**
 * A per-request DataLoader: every `load` of one tick becomes one call of
 * `batch` (one store round trip). Results are cached for the request only.
 */
export function createBatchLoader<V>(batch: (keys: readonly string[]) => Promise<ReadonlyArray<V>>): DataLoader<string, V> {
  return new DataLoader<string, V>(batch, { maxBatchSize: MAX_BATCH_SIZE });
}
