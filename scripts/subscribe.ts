/**
 * `npm run -s subscribe -- 'subscription { stockChanged { productId available product { name } } }' [--token <jwt>] [--url ws://localhost:4000/graphql] [--resume <event id>]`
 * prints each result of a GraphQL subscription over WebSocket (graphql-ws) as a JSON line, until Ctrl-C.
 * Each result carries its event id in `extensions.eventId`; `--resume <id>` subscribes with
 * `extensions: { resumeFrom: <id> }`, so the events after it are delivered first, then live ones.
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
    console.error('usage: npm run -s subscribe -- <subscription document> [--token <jwt>] [--url ws://localhost:4000/graphql] [--variables <json>] [--resume <event id>]');
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
  const resumeFrom = option(args, '--resume');
  let lastEventId = resumeFrom;
  const dispose = client.subscribe(
    { query, variables: variables ? JSON.parse(variables) : undefined, ...(resumeFrom && { extensions: { resumeFrom } }) },
    {
      next: (result) => {
        lastEventId = ((result.extensions as { eventId?: string } | undefined)?.eventId) ?? lastEventId;
        console.log(JSON.stringify(result));
      },
      error: (error) => {
        console.error(`subscribe: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
        // Resumable (a dropped slow consumer, a closed connection): say from where.
        if (lastEventId) console.error(`subscribe: resume with --resume ${lastEventId}`);
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
