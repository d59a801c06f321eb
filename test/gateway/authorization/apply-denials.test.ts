import { parse } from 'graphql';
import { applyDenials, UNAUTHORIZED_FIELD_OR_TYPE } from '../../../gateway/src/auth/authorization';
import { SHOP_DATA, anonymous, authorize, respond, shopAuthorizer, shopSchema, signedIn } from './support';

const pathsOf = (errors: unknown[]) => errors.map((e) => (e as { path: unknown }).path);

describe('patching the result of a filtered operation', () => {
  it('puts null at a denied field and reports it with the concrete path', async () => {
    const { response } = await respond(shopAuthorizer(), '{ me { name } greeting }', anonymous);
    expect(response).toEqual({
      data: { me: null, greeting: 'hello you' },
      errors: [
        {
          message: 'Unauthorized field or type: Query.me requires authentication; send a token (Authorization: Bearer <JWT>)',
          path: ['me'],
          extensions: { code: UNAUTHORIZED_FIELD_OR_TYPE, reason: 'authentication' },
        },
      ],
    });
  });

  it('expands list levels over the actual items, nested lists included', async () => {
    const payments = await respond(shopAuthorizer(), '{ payments { nodes { id customerId } } }', signedIn('read:payments'));
    expect(payments.response.data).toEqual({
      payments: {
        nodes: [
          { id: 'pay1', customerId: null },
          { id: 'pay2', customerId: null },
        ],
      },
    });
    expect(pathsOf(payments.response.errors)).toEqual([
      ['payments', 'nodes', 0, 'customerId'],
      ['payments', 'nodes', 1, 'customerId'],
    ]);

    const grid = await respond(shopAuthorizer(), '{ grid { value secret } }', anonymous);
    expect(grid.response.data).toEqual({
      grid: [[{ value: 1, secret: null }, { value: 2, secret: null }], [{ value: 3, secret: null }]],
    });
    expect(pathsOf(grid.response.errors)).toEqual([
      ['grid', 0, 0, 'secret'],
      ['grid', 0, 1, 'secret'],
      ['grid', 1, 0, 'secret'],
    ]);
  });

  it('reports each alias of a denied field separately', async () => {
    const { response } = await respond(shopAuthorizer(), '{ products { id a: cost b: cost } }', signedIn());
    expect(response.data).toEqual({
      products: [
        { id: 'p1', a: null, b: null },
        { id: 'p2', a: null, b: null },
      ],
    });
    expect(pathsOf(response.errors)).toEqual([
      ['products', 0, 'a'],
      ['products', 1, 'a'],
      ['products', 0, 'b'],
      ['products', 1, 'b'],
    ]);
  });

  it('nulls the nullable parent of a denied non-null field', async () => {
    const { response } = await respond(shopAuthorizer(), '{ viewer { id session { id secret } } }', anonymous);
    expect(response.data).toEqual({ viewer: { id: 'v1', session: null } });
    expect(pathsOf(response.errors)).toEqual([['viewer', 'session', 'secret']]);
  });

  it('propagates null through non-null fields up to the root: data becomes null', async () => {
    const { response } = await respond(shopAuthorizer(), '{ viewer { id token } greeting }', anonymous);
    expect(response.data).toBeNull();
    expect(pathsOf(response.errors)).toEqual([['viewer', 'token']]);
  });

  it('nulls a parent removed because nothing was left under it, reporting the children', async () => {
    const { response } = await respond(shopAuthorizer(), '{ vault { gold silver } greeting }', anonymous);
    expect(response.data).toEqual({ vault: null, greeting: 'hello you' });
    expect(pathsOf(response.errors)).toEqual([
      ['vault', 'gold'],
      ['vault', 'silver'],
    ]);
  });

  it('answers an operation with nothing left without executing it', async () => {
    const { response, executed } = await respond(shopAuthorizer(), '{ me { id } vault { gold } }', anonymous);
    expect(executed).toEqual({});
    expect(response.data).toEqual({ me: null, vault: null });
    expect(pathsOf(response.errors)).toEqual([['me'], ['vault', 'gold']]);
  });

  it('reports a fragment on a restricted type at each object of that type, which just lacks its fields', async () => {
    const { response, executed } = await respond(
      shopAuthorizer(),
      '{ search(term: "x") { ... on Video { id title } ... on Book { id title } } }',
      anonymous,
    );
    expect(executed.data).toEqual({
      search: [{ id: 'vid1', title: 'Intro', __authz_typename: 'Video' }, { __authz_typename: 'Book' }],
    });
    expect(response.data).toEqual({ search: [{ id: 'vid1', title: 'Intro' }, {}] });
    expect(pathsOf(response.errors)).toEqual([['search', 1]]);
  });

  it('does not let a non-null field of a removed fragment wipe out a non-null list of other objects', async () => {
    // Book.id is ID!, search is [SearchResult!]!: nulls would have reached the root.
    const { response } = await respond(shopAuthorizer(), '{ greeting search(term: "x") { ... on Video { id } ... on Book { id } } }', anonymous);
    expect(response.data).toEqual({ greeting: 'hello you', search: [{ id: 'vid1' }, {}] });
  });

  it('nulls a non-null parent left with nothing to select like any removed field, up to the root', async () => {
    const { response } = await respond(shopAuthorizer(), '{ greeting search(term: "x") { ... on Book { id } } }', anonymous);
    expect(response.data).toBeNull();
    expect(pathsOf(response.errors)).toEqual([['search']]);
  });

  it('touches a restricted field under an interface only on objects of the narrowed type', async () => {
    const { response } = await respond(shopAuthorizer(), '{ nodes { id ... on Account { owner balance } } }', signedIn());
    expect(response.data).toEqual({
      nodes: [
        { id: 'a1', owner: 'Ada', balance: null },
        { id: 'sh1' },
      ],
    });
    expect(pathsOf(response.errors)).toEqual([['nodes', 0, 'balance']]);
  });

  it('follows a type condition on the way to a deeper removal', async () => {
    const { outcome, response } = await respond(
      shopAuthorizer(),
      '{ nodes { id ... on Account { statement { period fees } } } }',
      signedIn(),
    );
    expect(outcome.denials.map((d) => d.path)).toEqual([['nodes', '@', 'statement', 'fees']]);
    expect(response.data).toEqual({
      nodes: [{ id: 'a1', statement: { period: '2024-05', fees: null } }, { id: 'sh1' }],
    });
    expect(pathsOf(response.errors)).toEqual([['nodes', 0, 'statement', 'fees']]);
  });

  it('reports a denial under an empty list or a null parent once, cut before the list', async () => {
    const emptyList = await respond(shopAuthorizer(), '{ payments { nodes { customerId id } } }', signedIn('read:payments'), undefined, {
      payments: { nodes: [] },
    });
    expect(emptyList.response.data).toEqual({ payments: { nodes: [] } });
    expect(pathsOf(emptyList.response.errors)).toEqual([['payments', 'nodes']]);

    const nullParent = await respond(shopAuthorizer(), '{ viewer { id session { id secret } } }', anonymous, undefined, {
      viewer: { id: 'v1', session: null },
    });
    expect(nullParent.response.data).toEqual({ viewer: { id: 'v1', session: null } });
    expect(pathsOf(nullParent.response.errors)).toEqual([['viewer', 'session', 'secret']]);
  });

  it('keeps the errors execution produced, before its own', () => {
    const document = parse('{ me { id } greeting }');
    const outcome = authorize(shopAuthorizer(), document, anonymous);
    const executionError = { message: 'boom', path: ['greeting'] };
    const patched = applyDenials({ data: { greeting: null }, errors: [executionError] }, outcome, shopSchema, document);
    expect(patched.errors[0]).toBe(executionError);
    expect(pathsOf(patched.errors)).toEqual([['greeting'], ['me']]);
  });

  it('reports denials when execution returned no data at all', () => {
    const document = parse('{ products { id cost } }');
    const outcome = authorize(shopAuthorizer(), document, signedIn());
    const patched = applyDenials({ data: null, errors: [{ message: 'subgraph down' }] }, outcome, shopSchema, document);
    expect(patched.data).toBeNull();
    expect(pathsOf(patched.errors)).toEqual([undefined, ['products']]);
  });

  it('does not modify the result it is given', () => {
    const document = parse('{ viewer { id session { id secret } } }');
    const outcome = authorize(shopAuthorizer(), document, anonymous);
    const result = Object.freeze({ data: Object.freeze({ viewer: Object.freeze({ id: 'v1', session: Object.freeze({ id: 's1' }) }) }) });
    const patched = applyDenials(result, outcome, shopSchema, document);
    expect(patched.data).toEqual({ viewer: { id: 'v1', session: null } });
    expect(result.data.viewer.session).toEqual({ id: 's1' });
  });

  it('returns the result as it is when nothing was denied', () => {
    const document = parse('{ products { id } }');
    const outcome = authorize(shopAuthorizer(), document, anonymous);
    const data = { products: SHOP_DATA.products.map(({ id }) => ({ id })) };
    expect(applyDenials({ data }, outcome, shopSchema, document)).toEqual({ data, errors: [] });
  });
});
