import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { ConfigError } from '../config/load';
import { BoundedCache } from '../../../lib/cache/bounded';
import type { Logger } from '../../../lib/logger';
import type { OperationRequest } from './contract';
import { OperationRefusal, refusal, requestError } from './refusal';

export const PersistedErrorCode = {
  /** APQ: the hash is unknown; Apollo Client then sends the document with it. Also an unknown trusted-document id. */
  NotFound: 'PERSISTED_QUERY_NOT_FOUND',
  /** APQ is off and the hash is in no manifest. */
  NotSupported: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** The document sent does not hash to the hash sent with it. */
  HashMismatch: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** Safelist mode: only documents of the manifests run. */
  NotPersisted: 'OPERATION_NOT_PERSISTED',
} as const;

export interface PersistedOperationsOptions {
  /** Automatic persisted queries: documents registered by clients, by hash. */
  apq: { enabled: boolean; ttlSeconds: number; maxBytes: number };
  /** Trusted documents: manifest files (Apollo's persisted-query manifest or a `{ hash: document }` map, as GraphQL Code Generator writes). */
  manifests: readonly string[];
  /** Refuse every document that is not in a manifest. */
  safelist: boolean;
  /** APQ documents live here when set, shared by every replica. */
  redisUrl?: string;
  logger: Logger;
}

/** Redis keys of APQ documents: gw:apq:<sha256>. */
const APQ_PREFIX = 'gw:apq:';
const REDIS_TIMEOUT_MS = 250;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** APQ errors are never cached by an intermediary (Apollo Server answers them the same way). */
const NO_CACHE = { 'cache-control': 'private, no-cache, must-revalidate' };

/**
 * Stage 1 of the pipeline for persisted operations: turns a request that
 * names its document by hash — `extensions.persistedQuery.sha256Hash` (APQ,
 * as Apollo Client sends it) or `documentId` (trusted documents, GraphQL over
 * HTTP) — into one that carries the document, and registers documents sent
 * with their hash. A persisted document is then the same text as any other,
 * so its parse, validation, authorization and cost are cached work after the
 * first use.
 */
export class PersistedOperations {
  private readonly trusted = new Map<string, string>();
  private readonly local: BoundedCache<string>;
  private readonly redis: Redis | undefined;

  constructor(private readonly options: PersistedOperationsOptions) {
    for (const path of options.manifests) for (const [hash, document] of readManifest(path)) this.trusted.set(hash, document);
    this.local = new BoundedCache<string>({ maxEntries: 100_000, maxBytes: options.apq.maxBytes, sizeOf: (doc, key) => doc.length * 2 + key.length, ttlMs: options.apq.ttlSeconds * 1_000 });
    this.redis = options.apq.enabled && options.redisUrl ? new Redis(options.redisUrl, { commandTimeout: REDIS_TIMEOUT_MS, maxRetriesPerRequest: 0 }) : undefined;
    this.redis?.on('error', () => {}); // a lookup during an outage answers NOT_FOUND; ioredis reconnects by itself
  }

  /** Whether every request must be looked at (safelist mode), not only those naming a hash. */
  get safelisting(): boolean {
    return this.options.safelist;
  }

  /** The request with its document, or the refusal. Synchronous unless an APQ lookup goes to Redis. */
  resolve(request: OperationRequest): OperationRequest | Promise<OperationRequest> {
    const hash = hashOf(request);
    const hasDocument = typeof request.query === 'string' && request.query !== '';
    if (hasDocument) {
      if (hash !== undefined) {
        if (sha256(request.query) !== hash) throw requestError(PersistedErrorCode.HashMismatch, 'The document does not hash to the sha256Hash sent with it');
        if (!this.trusted.has(hash) && this.options.apq.enabled && !this.options.safelist) this.register(hash, request.query);
      }
      if (this.options.safelist && !this.trusted.has(hash ?? sha256(request.query))) {
        throw refusal(403, PersistedErrorCode.NotPersisted, 'Only persisted operations are served here: send the documentId of a trusted document');
      }
      return request;
    }
    if (hash === undefined) return request; // no document and no hash: the read stage says so
    const trusted = this.trusted.get(hash);
    if (trusted !== undefined) return { ...request, query: trusted };
    if (request.documentId !== undefined || this.options.safelist) throw refusal(404, PersistedErrorCode.NotFound, 'No persisted document has this id');
    if (!this.options.apq.enabled) throw refusal(200, PersistedErrorCode.NotSupported, 'PersistedQueryNotSupported', { headers: NO_CACHE });
    const local = this.local.get(hash);
    if (local !== undefined) return { ...request, query: local };
    if (!this.redis) throw notFound();
    return this.redis.get(APQ_PREFIX + hash).then(
      (document) => {
        if (document === null) throw notFound();
        this.local.set(hash, document);
        return { ...request, query: document };
      },
      (error: Error) => {
        if (error instanceof OperationRefusal) throw error;
        this.options.logger.warn('persisted queries: Redis cannot answer; the client will send the document', { error: error.message });
        throw notFound();
      },
    );
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  private register(hash: string, document: string): void {
    if (this.local.get(hash) !== undefined) return;
    this.local.set(hash, document);
    this.redis?.set(APQ_PREFIX + hash, document, 'EX', this.options.apq.ttlSeconds).catch((error: Error) => {
      this.options.logger.warn('persisted queries: cannot register a document in Redis', { error: error.message });
    });
  }
}

function notFound(): OperationRefusal {
  return refusal(200, PersistedErrorCode.NotFound, 'PersistedQueryNotFound', { headers: NO_CACHE });
}

/** The hash a request names its document by, lower-case hex; a malformed one is refused. */
function hashOf(request: OperationRequest): string | undefined {
  let value: unknown;
  if (request.documentId !== undefined) {
    value = request.documentId.startsWith('sha256:') ? request.documentId.slice('sha256:'.length) : request.documentId;
  } else {
    const persisted = request.extensions?.persistedQuery;
    if (persisted === undefined) return undefined;
    const { version, sha256Hash } = (persisted ?? {}) as { version?: unknown; sha256Hash?: unknown };
    if (version !== 1) throw requestError('BAD_REQUEST', 'Unsupported persisted query version (expected 1)');
    value = sha256Hash;
  }
  if (typeof value !== 'string' || !SHA256_HEX.test(value.toLowerCase())) throw requestError('BAD_REQUEST', 'A persisted document id must be a sha256 hash in hex');
  return value.toLowerCase();
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a manifest: Apollo's (`{ format: "apollo-persisted-query-manifest",
 * operations: [{ id, body }] }`) or a plain `{ "<sha256>": "<document>" }`
 * map (GraphQL Code Generator's persisted documents). Each id must be the
 * sha256 of its body: a manifest that lies is refused at start-up.
 */
export function readManifest(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Invalid configuration: persistedOperations.manifests: ${path}: ${(error as Error).message}`);
  }
  const entries: Array<[string, unknown]> =
    parsed && typeof parsed === 'object' && Array.isArray((parsed as { operations?: unknown }).operations)
      ? (parsed as { operations: Array<{ id?: unknown; body?: unknown }> }).operations.map((o) => [String(o.id), o.body])
      : Object.entries((parsed ?? {}) as Record<string, unknown>);
  const documents = new Map<string, string>();
  for (const [rawId, body] of entries) {
    const id = rawId.startsWith('sha256:') ? rawId.slice('sha256:'.length).toLowerCase() : rawId.toLowerCase();
    if (typeof body !== 'string') throw new ConfigError(`Invalid configuration: persistedOperations.manifests: ${path}: operation ${rawId} has no document body`);
    if (sha256(body) !== id) throw new ConfigError(`Invalid configuration: persistedOperations.manifests: ${path}: operation ${rawId} is not the sha256 of its document`);
    documents.set(id, body);
  }
  return documents;
}
