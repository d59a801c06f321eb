/**
 * `npm run -s subscribe -- 'subscription { stockChanged { productId available product { name } } }' [--token <jwt>] [--url ws://localhost:4000/graphql]`
 * prints each result of a GraphQL subscription over WebSocket (graphql-ws) as a JSON line, until Ctrl-C.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

function main(): void {
  const args = process.argv.slice(2);
  const query = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
  if (!query) {
    console.error('usage: npm run -s subscribe -- <subscription document> [--token <jwt>] [--url ws://localhost:4000/graphql] [--variables <json>]');
    process.exitCode = 2;
    return;
  }
  const token = option(args, '--token');
  const client = createClient({
    url: option(args, '--url') ?? 'ws://localhost:4000/graphql',
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  const variables = option(args, '--variables');
  const dispose = client.subscribe(
    { query, variables: variables ? JSON.parse(variables) : undefined },
    {
      next: (result) => console.log(JSON.stringify(result)),
      error: (error) => {
        console.error(`subscribe: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
        process.exitCode = 1;
        void client.dispose();
      },
      complete: () => void client.dispose(),
    },
  );
  process.once('SIGINT', () => {
    dispose();
    void client.dispose();
  });
}

main();
