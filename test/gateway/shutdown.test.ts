import { composeLibrarySupergraph, startLibrarySubgraph } from '../support/library-subgraph';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { postGraphQL } from '../support/http';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe('graceful shutdown', () => {
  it('finishes requests already in flight, then refuses new connections', async () => {
    const library = await startLibrarySubgraph({ delayMs: 300 });
    const gateway = await startTestGateway(writeSupergraphFile(composeLibrarySupergraph(library.url)));
    try {
      const inFlight = postGraphQL(gateway.url, '{ books { title } }');
      await until(() => library.requests() === 1);
      const closed = gateway.close();

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ books: [{ title: 'Dune' }, { title: 'Neuromancer' }] });
      await closed;
      await expect(fetch(gateway.url.replace('/graphql', '/health'))).rejects.toThrow();
    } finally {
      await library.close();
    }
  });
});
