import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeLibrarySupergraph, startLibrarySubgraph, type LibrarySubgraph } from '../support/library-subgraph';
import { startTestGateway, writeSupergraphFile } from '../support/gateway';
import { errorCodes, getGraphQL, postGraphQL, postRaw, type GraphQLAnswer } from '../support/http';
import type { RunningGateway } from '../../gateway/src/gateway';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('the gateway answers bad input with a GraphQL-shaped error, the right status and a stable code', () => {
  let library: LibrarySubgraph;
  let gateway: RunningGateway;

  beforeAll(async () => {
    library = await startLibrarySubgraph();
    gateway = await startTestGateway(writeSupergraphFile(composeLibrarySupergraph(library.url)), {
      GATEWAY_MAX_BODY_BYTES: '10000',
    });
  });
  afterAll(async () => {
    await gateway.close();
    await library.close();
  });

  const cases: Array<[string, () => Promise<GraphQLAnswer>, number, string]> = [
    ['malformed JSON', () => postRaw(gateway.url, '{"query": ', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['an empty body', () => postRaw(gateway.url, '', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['a JSON body that is not an object', () => postRaw(gateway.url, '"{ books { title } }"', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['a JSON object without a query', () => postRaw(gateway.url, '{"foo": 1}', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['a query that is not a string', () => postRaw(gateway.url, '{"query": 42}', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['variables that are not an object', () => postRaw(gateway.url, '{"query": "{ books { title } }", "variables": "x"}', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['a batch (batching is off)', () => postRaw(gateway.url, '[{"query": "{ books { title } }"}]', JSON_HEADERS), 400, 'BAD_REQUEST'],
    ['a body that is not JSON at all', () => postRaw(gateway.url, 'query { books { title } }', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a POST without a content type', () => postRaw(gateway.url, '{"query": "{ books { title } }"}', {}), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['invalid GraphQL syntax', () => postGraphQL(gateway.url, '{ books { title '), 400, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', () => postGraphQL(gateway.url, '{ books { isbn price } }'), 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['an unknown argument', () => postGraphQL(gateway.url, '{ books(first: 3) { title } }'), 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a missing required variable', () => postGraphQL(gateway.url, 'query($isbn: ID!) { book(isbn: $isbn) { title } }'), 400, 'BAD_USER_INPUT'],
    ['a variable of the wrong type', () => postGraphQL(gateway.url, 'query($isbn: ID!) { book(isbn: $isbn) { title } }', { isbn: { nested: true } }), 400, 'BAD_USER_INPUT'],
    ['several operations and no operationName', () => postGraphQL(gateway.url, 'query A { books { title } } query B { books { year } }'), 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['a body over the size limit', () => postGraphQL(gateway.url, '{ books { title } }', { pad: 'x'.repeat(20_000) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a mutation over GET', () => getGraphQL(gateway.url, { query: 'mutation { renameBook(isbn: "978-0", title: "x") { title } }' }, { 'apollo-require-preflight': 'true' }), 405, 'BAD_REQUEST'],
    ['a GET without a CSRF-safe header', () => getGraphQL(gateway.url, { query: '{ books { title } }' }), 400, 'BAD_REQUEST'],
  ];

  it.each(cases)('rejects %s', async (_name, send, status, code) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(errorCodes(answer)).toEqual([code]);
    expect(answer.body.errors![0].message).toEqual(expect.any(String));
    expect(JSON.stringify(answer.body)).not.toMatch(/stacktrace|\bat .*\.(js|ts):\d+/);
  });

  it('refuses a chunked body once it crosses the size limit, without reading the rest', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(gateway.url, { method: 'POST', headers: JSON_HEADERS }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"query": "{ books { title } }", "pad": "');
      req.write('x'.repeat(30_000));
      // never ends the body: the gateway must answer anyway
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers methods other than GET and POST with 405 and an Allow header', async () => {
    const res = await fetch(gateway.url, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers unknown paths with 404 NOT_FOUND', async () => {
    const res = await fetch(gateway.url.replace('/graphql', '/nope'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('keeps serving good requests after all of the above', async () => {
    const answer = await postGraphQL(gateway.url, '{ books { title } }');
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ books: [{ title: 'Dune' }, { title: 'Neuromancer' }] });
  });

  it('serves queries over GET with a CSRF-safe header', async () => {
    const answer = await getGraphQL(gateway.url, { query: '{ book(isbn: "978-1") { title year } }' }, { 'apollo-require-preflight': 'true' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ book: { title: 'Neuromancer', year: 1984 } });
  });
});

describe('the gateway degrades, never dies, when a subgraph is down', () => {
  it('answers 200 with null data and SUBREQUEST_HTTP_ERROR naming the subgraph, without its address', async () => {
    const library = await startLibrarySubgraph();
    const gateway = await startTestGateway(writeSupergraphFile(composeLibrarySupergraph(library.url)));
    try {
      await library.close();
      const answer = await postGraphQL(gateway.url, '{ books { title } }');
      expect(answer.status).toBe(200);
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'SUBREQUEST_HTTP_ERROR', service: 'library' } }),
      ]);
      expect(answer.body.errors![0].message).not.toMatch(/127\.0\.0\.1|localhost/);
      expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

describe('the gateway bounds how long it waits for a subgraph', () => {
  it('reports a subgraph slower than subgraphRequests.timeoutMs as SUBREQUEST_HTTP_ERROR (timed out)', async () => {
    const library = await startLibrarySubgraph({ delayMs: 1_000 });
    const gateway = await startTestGateway(writeSupergraphFile(composeLibrarySupergraph(library.url)), {
      GATEWAY_SUBGRAPH_TIMEOUT_MS: '100',
    });
    try {
      const answer = await postGraphQL(gateway.url, '{ books { title } }');
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toEqual([
        { message: 'Subgraph "library" could not be reached (timed out)', extensions: { code: 'SUBREQUEST_HTTP_ERROR', service: 'library' } },
      ]);
    } finally {
      await gateway.close();
      await library.close();
    }
  });
});

describe('the gateway degrades, never dies, when a subgraph answers nonsense', () => {
  let nonsense: Server;
  let answerWith: { status: number; body: string };
  let gateway: RunningGateway;
  beforeAll(async () => {
    nonsense = createServer((_req, res) => res.writeHead(answerWith.status, { 'content-type': 'text/html' }).end(answerWith.body));
    await new Promise<void>((resolve) => nonsense.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(nonsense.address() as AddressInfo).port}/graphql`;
    gateway = await startTestGateway(writeSupergraphFile(composeLibrarySupergraph(url)));
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => nonsense.close(resolve));
  });

  it.each([
    ['an HTML error page with HTTP 502', { status: 502, body: '<html>Bad gateway</html>' }, 'SUBREQUEST_HTTP_ERROR'],
    ['a 200 that is not JSON', { status: 200, body: '<html>hello</html>' }, 'SUBREQUEST_MALFORMED_RESPONSE'],
    ['a 200 with JSON that is not a GraphQL response', { status: 200, body: '{"hello": "world"}' }, 'SUBREQUEST_MALFORMED_RESPONSE'],
  ])('answers 200 with %s reported as an error with a stable code', async (_case, reply, code) => {
    answerWith = reply;
    const answer = await postGraphQL(gateway.url, '{ books { title } }');
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toEqual([expect.objectContaining({ extensions: { code, service: 'library' } })]);
  });
});
