import { GraphQLError } from 'graphql';
import { Pool } from 'undici';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { SubgraphErrorCode } from './errors';

export interface PooledDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  connections: number;
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

  constructor({ name, url, timeoutMs, connections }: PooledDataSourceOptions) {
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

  async process({ request }: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    let statusCode: number;
    let text: string;
    try {
      const response = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
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
    return parsed as GatewayGraphQLResponse;
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
