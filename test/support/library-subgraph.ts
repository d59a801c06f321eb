import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createGraphQLHttpHandler } from '../../lib/http/graphql-handler';
import { startHttpServer } from '../../lib/http/server';
import { createLogger } from '../../lib/logger';

/**
 * A small subgraph that is none of ours (a library of books), to prove the
 * gateway serves any valid supergraph, not only the one it ships with.
 */
export const LIBRARY_SDL = readFileSync(join(__dirname, '..', 'fixtures', 'library.graphql'), 'utf8');

const BOOKS = [
  { isbn: '978-0', title: 'Dune', year: 1965 },
  { isbn: '978-1', title: 'Neuromancer', year: 1984 },
];

export interface LibrarySubgraph {
  url: string;
  /** How many GraphQL requests reached the subgraph. */
  requests(): number;
  close(): Promise<void>;
}

/** `delayMs` holds every answer back, to keep requests in flight (shutdown tests). */
export async function startLibrarySubgraph({ delayMs = 0 }: { delayMs?: number } = {}): Promise<LibrarySubgraph> {
  let requests = 0;
  const books = BOOKS.map((b) => ({ ...b }));
  const schema = buildSubgraphSchema({
    typeDefs: parse(LIBRARY_SDL),
    resolvers: {
      Query: {
        book: (_: unknown, { isbn }: { isbn: string }) => books.find((b) => b.isbn === isbn) ?? null,
        books: () => books,
      },
      Mutation: {
        renameBook: (_: unknown, { isbn, title }: { isbn: string; title: string }) => {
          const book = books.find((b) => b.isbn === isbn);
          if (book) book.title = title;
          return book ?? null;
        },
      },
    },
  });
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await server.start();
  const logger = createLogger('silent');
  const handler = createGraphQLHttpHandler({ server, maxBodyBytes: 1_000_000, context: async () => ({}), logger });
  const http = await startHttpServer(
    (req, res) => {
      requests++;
      if (delayMs > 0) setTimeout(() => handler(req, res), delayMs);
      else handler(req, res);
    },
    { port: 0, host: '127.0.0.1' },
  );
  return {
    url: `${http.url}/graphql`,
    requests: () => requests,
    close: async () => {
      await http.close(0);
      await server.stop();
    },
  };
}

/** The supergraph of the library subgraph alone, routed to `url`. */
export function composeLibrarySupergraph(url: string): string {
  const result = composeServices([{ name: 'library', url, typeDefs: parse(LIBRARY_SDL) }]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}
