import { composeLibrarySupergraph, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { errorCodes, postGraphQL } from '../support/http';
import type { RunningGateway } from '../../gateway/src/gateway';
import { DEPLOYED_IDENTITY } from '../support/identity-keys';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const MISSPELT = '{ books { titel } }';

describe.each([
  ['production', { NODE_ENV: 'production', INTERNAL_AUTH_PRIVATE_KEY: DEPLOYED_IDENTITY.privatePem }, { introspection: false, ide: false }],
  ['development', { NODE_ENV: 'development' }, { introspection: true, ide: true }],
])('security defaults when NODE_ENV=%s', (_env, env, expected) => {
  let library: LibrarySubgraph;
  let gateway: RunningGateway;
  beforeAll(async () => {
    library = await startLibrarySubgraph();
    gateway = await startTestGateway(writeSupergraphFile(composeLibrarySupergraph(library.url)), env);
  });
  afterAll(async () => {
    await gateway.close();
    await library.close();
  });

  it(`${expected.introspection ? 'allows' : 'refuses'} introspection`, async () => {
    const answer = await postGraphQL(gateway.url, INTROSPECTION);
    if (expected.introspection) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } else {
      expect(answer.status).toBe(400);
      expect(errorCodes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
  });

  it(`${expected.introspection ? 'suggests' : 'does not suggest'} field names in validation errors`, async () => {
    const answer = await postGraphQL(gateway.url, MISSPELT);
    expect(answer.status).toBe(400);
    expect(answer.body.errors![0].message.includes('Did you mean')).toBe(expected.introspection);
  });

  it(`${expected.ide ? 'serves' : 'does not serve'} the IDE to a browser`, async () => {
    const res = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    const body = await res.text();
    expect(res.status === 200 && body.includes('<html')).toBe(expected.ide);
  });

  it('never sends stack traces, even for internal errors', async () => {
    const answer = await postGraphQL(gateway.url, '{ book(isbn: 1) { title } }');
    expect(JSON.stringify(answer.body)).not.toContain('stacktrace');
  });
});
