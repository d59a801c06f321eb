import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { Pool } from 'undici';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { INTERNAL_IDENTITY_HEADER, type IdentitySigner } from '../../../lib/auth/internal-identity';
import { ANONYMOUS, type Caller } from '../auth/caller';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { SubgraphErrorCode } from './errors';

export interface PooledDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  connections: number;
  /** Signs the caller's identity for the subgraph; the client's own Authorization header is never forwarded. */
  signer: IdentitySigner;
}

/** A subgraph's GraphQL response, as parsed. */
export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLFormattedError>;
  extensions?: Record<string, unknown>;
}

/** What the data source reads of the gateway's per-request context. */
export interface CallerContext {
  caller?: Caller;
}

/**
 * Sends subgraph fetches over a pool of keep-alive connections (undici).
 *
 * Why not RemoteGraphQLDataSource: it goes through make-fetch-happen and
 * builds node-fetch Headers and Request objects on every fetch; a subgraph
 * fetch is the gateway's innermost hot path, so here it is one JSON.stringify,
 * one pooled request and one JSON.parse. Failures become GraphQL errors with
 * stable codes, so a dead subgraph degrades the answer instead of failing it.
 */
export class PooledDataSource implements GraphQLDataSource {
  readonly name: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly signer: IdentitySigner;

  constructor({ name, url, timeoutMs, connections, signer }: PooledDataSourceOptions) {
    this.signer = signer;
    const parsed = new URL(url);
    this.name = name;
    this.path = parsed.pathname + parsed.search;
    this.pool = new Pool(parsed.origin, {
      connections,
      keepAliveTimeout: 30_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** @apollo/gateway's entry point (the `apollo` engine, health checks): the same request as `send`. */
  async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Only fetches for an incoming operation have a context; health checks go as the anonymous caller.
    const caller = (options as { context?: CallerContext }).context?.caller ?? ANONYMOUS;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    return (await this.send(body, caller)) as GatewayGraphQLResponse;
  }

  /**
   * Sends one GraphQL request body, already serialized (the native executor
   * builds it from a pre-serialized query and the variables' JSON), as
   * `caller`. Resolves to the subgraph's GraphQL response; rejects with a
   * coded GraphQLError when there is none to read.
   */
  async send(body: string, caller: Caller): Promise<SubgraphResponse> {
    let statusCode: number;
    let text: string;
    try {
      const response = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [INTERNAL_IDENTITY_HEADER]: await this.signer.headerFor(identityOf(caller), this.name),
        },
        body,
      });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      // The client learns which subgraph failed and why in one word; addresses stay internal.
      throw this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" could not be reached (${reasonOf(error)})`);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw statusCode >= 300
        ? this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" answered HTTP ${statusCode}`)
        : this.error(SubgraphErrorCode.MalformedResponse, `Subgraph "${this.name}" answered with a body that is not JSON`);
    }
    // A GraphQL server answers errors (validation, coercion) with 4xx and a
    // GraphQL body: those errors are what the client should see.
    if (parsed === null || typeof parsed !== 'object' || !('data' in parsed || 'errors' in parsed)) {
      throw statusCode >= 300
        ? this.error(SubgraphErrorCode.HttpError, `Subgraph "${this.name}" answered HTTP ${statusCode}`)
        : this.error(SubgraphErrorCode.MalformedResponse, `Subgraph "${this.name}" answered with JSON that is not a GraphQL response`);
    }
    return parsed as SubgraphResponse;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  // Not `extensions.http`: Apollo Server would turn the whole response's
  // status into the subgraph's, and a partial answer is still a 200.
  private error(code: string, message: string): GraphQLError {
    return new GraphQLError(message, { extensions: { code, service: this.name } });
  }
}

function reasonOf(error: unknown): string {
  const err = error as { name?: string; code?: string; cause?: { code?: string } };
  const code = err?.code ?? err?.cause?.code;
  // undici enforces the timeout through headersTimeout and bodyTimeout.
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `timed out`;
  return code ?? 'connection failed';
}

/** One Identity object per Caller, so the signer's per-identity cache is hit without rebuilding keys. */
const identities = new WeakMap<Caller, { subject: string | null; scopes: string[] }>();
function identityOf(caller: Caller): { subject: string | null; scopes: string[] } {
  let identity = identities.get(caller);
  if (!identity) {
    identity = { subject: caller.subject, scopes: [...caller.scopes].sort() };
    identities.set(caller, identity);
  }
  return identity;
}
