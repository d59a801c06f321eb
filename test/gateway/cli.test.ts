import { composeLibrarySupergraph, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { writeSupergraphFile } from '../support/gateway';
import { postGraphQL } from '../support/http';
import { freePort } from '../support/ports';
import { runCompiled, waitForOk } from '../support/process';

const GATEWAY = 'gateway/src/main.js';

describe('npm run gateway -- --supergraph <file> --port <n>', () => {
  let library: LibrarySubgraph;
  beforeAll(async () => {
    library = await startLibrarySubgraph();
  });
  afterAll(() => library.close());

  it('serves any valid supergraph, not only ours, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const gateway = runCompiled(GATEWAY, ['--supergraph', writeSupergraphFile(composeLibrarySupergraph(library.url)), '--port', String(port)]);
    try {
      await waitForOk(`http://127.0.0.1:${port}/ready`, gateway);
      const answer = await postGraphQL(`http://127.0.0.1:${port}/graphql`, '{ books { isbn title } }');
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual({ books: [{ isbn: '978-0', title: 'Dune' }, { isbn: '978-1', title: 'Neuromancer' }] });
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it('routes a subgraph to the URL given by SUBGRAPH_<NAME>_URL instead of the composed one', async () => {
    const port = await freePort();
    const supergraph = writeSupergraphFile(composeLibrarySupergraph('http://127.0.0.1:1/graphql'));
    const gateway = runCompiled(GATEWAY, ['--supergraph', supergraph, '--port', String(port)], { SUBGRAPH_LIBRARY_URL: library.url });
    try {
      await waitForOk(`http://127.0.0.1:${port}/ready`, gateway);
      const answer = await postGraphQL(`http://127.0.0.1:${port}/graphql`, '{ book(isbn: "978-0") { year } }');
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual({ book: { year: 1965 } });
    } finally {
      await gateway.stop();
    }
  });

  it.each([
    ['the supergraph file does not exist', ['--supergraph', '/nonexistent/supergraph.graphql'], {}, /Cannot read supergraph file \/nonexistent/],
    ['the file is not a supergraph', ['--supergraph', writeSupergraphFile('type Query { a: Int }')], {}, /is not a supergraph/],
    ['an override names no subgraph of the supergraph', ['--supergraph', writeSupergraphFile(composeLibrarySupergraph('http://x/graphql'))], { SUBGRAPH_NOPE_URL: 'http://x/graphql' }, /subgraphs\.nope: the supergraph has no subgraph named "nope"/],
    ['the port is invalid', ['--supergraph', 'x', '--port', 'abc'], {}, /port \(from --port\): expected an integer/],
  ])('fails start-up with exit code 1 and a readable message when %s', async (_case, args, env, message) => {
    const gateway = runCompiled(GATEWAY, args as string[], env as Record<string, string>);
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toMatch(message);
    expect(gateway.output()).not.toMatch(/\n\s+at /);
  });
});
