import { generateSeedProducts, SEED_CATEGORIES, SEED_PRODUCT_COUNT } from '../../subgraphs/products/seed';
import { STORE_KINDS, data, errorCode, gql, outcomes, roundTripsOf, useSubgraphHarness } from './harness';

const PRODUCT_FIELDS = 'id sku name description category price { amount currency }';
const PAGE = `query($first: Int, $after: String, $category: String) {
  products(first: $first, after: $after, category: $category) { totalCount nodes { ${PRODUCT_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;
const CREATE = `mutation($input: CreateProductInput!) { createProduct(input: $input) { ${PRODUCT_FIELDS} } }`;
const UPDATE_PRICE = `mutation($id: ID!, $price: MoneyInput!) { updateProductPrice(id: $id, price: $price) { id price { amount currency } } }`;

const SEED = generateSeedProducts();
const lamp = { sku: 'SKU-LAMP-1', name: 'Desk lamp', description: 'Warm light', category: 'home', price: { amount: 2999, currency: 'USD' } };

describe.each(STORE_KINDS)('products subgraph on the %s store', (kind) => {
  const harness = useSubgraphHarness();
  const start = (options = {}) => harness.start('products', kind, options);

  it('answers a seeded product by id with its catalogue fields', async () => {
    const products = await start();
    const { product } = await data(products, `{ product(id: "p-0001") { ${PRODUCT_FIELDS} } }`);
    const { seq: _seq, ...expected } = SEED[0];
    expect(product).toEqual(expected);
  });

  it('answers null for an unknown product id', async () => {
    const products = await start();
    expect(await data(products, '{ product(id: "p-9999") { id } }')).toEqual({ product: null });
  });

  it('pages through the whole catalogue in order with opaque cursors, each product once, and a total count', async () => {
    const products = await start();
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { products: page }: any = await data(products, PAGE, { first: 100, after });
      expect(page.totalCount).toBe(SEED_PRODUCT_COUNT);
      ids.push(...page.nodes.map((p: { id: string }) => p.id));
      if (!page.pageInfo.hasNextPage) break;
      expect(page.pageInfo.endCursor).not.toContain('products:');
      after = page.pageInfo.endCursor;
    }
    expect(ids).toEqual(SEED.map((p) => p.id));
  });

  it('defaults to 20 products per page and answers an empty last page past the end', async () => {
    const products = await start();
    const first = await data(products, '{ products { nodes { id } pageInfo { hasNextPage endCursor } } }');
    expect(first.products.nodes).toHaveLength(20);
    const { products: tail } = await data(products, PAGE, { first: 100, after: Buffer.from(`products:${SEED_PRODUCT_COUNT}`).toString('base64') });
    expect(tail).toMatchObject({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: SEED_PRODUCT_COUNT });
  });

  it('filters by category and counts that category only', async () => {
    const products = await start();
    const books = SEED.filter((p) => p.category === 'books');
    const page1 = (await data(products, PAGE, { first: 5, category: 'books' })).products;
    const page2 = (await data(products, PAGE, { first: 5, category: 'books', after: page1.pageInfo.endCursor })).products;
    expect(page1.totalCount).toBe(books.length);
    expect([...page1.nodes, ...page2.nodes].map((p: { id: string }) => p.id)).toEqual(books.slice(0, 10).map((p) => p.id));
    expect(Object.keys(SEED_CATEGORIES)).toContain('books');
    expect((await data(products, PAGE, { first: 5, category: 'no-such-category' })).products).toMatchObject({ nodes: [], totalCount: 0 });
  });

  it.each([0, 101, -1])('rejects first = %i (outside 1..100) with BAD_USER_INPUT', async (first) => {
    const products = await start();
    expect(await errorCode(products, PAGE, { first })).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['not base64 of a cursor', 'garbage!'],
    ['a payments cursor', Buffer.from('payments:3').toString('base64')],
    ['a cursor with a non-numeric position', Buffer.from('products:abc').toString('base64')],
  ])('rejects an after that is %s with BAD_USER_INPUT', async (_case, after) => {
    const products = await start();
    expect(await errorCode(products, PAGE, { first: 5, after })).toBe('BAD_USER_INPUT');
  });

  it('creates a product with the next id, found by id and at the end of the catalogue and its category', async () => {
    const products = await start();
    const { createProduct } = await data(products, CREATE, { input: lamp });
    expect(createProduct).toEqual({ id: 'p-1001', ...lamp });
    expect((await data(products, '{ product(id: "p-1001") { sku } }')).product).toEqual({ sku: 'SKU-LAMP-1' });
    const last = await data(products, PAGE, { first: 1, after: Buffer.from(`products:${SEED_PRODUCT_COUNT}`).toString('base64') });
    expect(last.products).toMatchObject({ totalCount: SEED_PRODUCT_COUNT + 1, nodes: [{ id: 'p-1001' }] });
    const homes = SEED.filter((p) => p.category === 'home').length;
    expect((await data(products, PAGE, { first: 1, category: 'home' })).products.totalCount).toBe(homes + 1);
  });

  it('creates a product without a description with an empty one', async () => {
    const products = await start();
    const { description: _d, ...input } = lamp;
    expect((await data(products, CREATE, { input })).createProduct.description).toBe('');
  });

  it('rejects a second product with the same sku with SKU_ALREADY_EXISTS', async () => {
    const products = await start();
    await data(products, CREATE, { input: lamp });
    expect(await errorCode(products, CREATE, { input: { ...lamp, name: 'Another lamp' } })).toBe('SKU_ALREADY_EXISTS');
    expect(await errorCode(products, CREATE, { input: { ...lamp, sku: SEED[0].sku } })).toBe('SKU_ALREADY_EXISTS');
  });

  it('creates exactly one product when 20 concurrent creates share a sku; the others fail with SKU_ALREADY_EXISTS', async () => {
    const products = await start();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => gql(products, CREATE, { input: { ...lamp, name: `Lamp ${i}` } })));
    expect(outcomes(answers)).toEqual({ ok: 1, SKU_ALREADY_EXISTS: 19 });
    expect((await data(products, PAGE, { first: 1 })).products.totalCount).toBe(SEED_PRODUCT_COUNT + 1);
  });

  it.each([
    ['a lower-case currency', { price: { amount: 100, currency: 'usd' } }, 'input.price.currency'],
    ['an unknown currency', { price: { amount: 100, currency: 'ABC' } }, 'input.price.currency'],
    ['a negative price', { price: { amount: -1, currency: 'USD' } }, 'input.price.amount'],
    ['an empty name', { name: '   ' }, 'input.name'],
    ['a sku with spaces', { sku: 'NOT A SKU' }, 'input.sku'],
    ['an upper-case category', { category: 'Home' }, 'input.category'],
  ])('rejects a product with %s with BAD_USER_INPUT naming the field', async (_case, change, argument) => {
    const products = await start();
    const answer = await gql(products, CREATE, { input: { ...lamp, ...change } });
    expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect((await data(products, PAGE, { first: 1 })).products.totalCount).toBe(SEED_PRODUCT_COUNT);
  });

  it('accepts a free product (price zero)', async () => {
    const products = await start();
    const { createProduct } = await data(products, CREATE, { input: { ...lamp, price: { amount: 0, currency: 'EUR' } } });
    expect(createProduct.price).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('updates a price, which later reads see', async () => {
    const products = await start();
    const { updateProductPrice } = await data(products, UPDATE_PRICE, { id: 'p-0002', price: { amount: 1234, currency: 'EUR' } });
    expect(updateProductPrice).toEqual({ id: 'p-0002', price: { amount: 1234, currency: 'EUR' } });
    const { product } = await data(products, `{ product(id: "p-0002") { ${PRODUCT_FIELDS} } }`);
    const { seq: _seq, ...seeded } = SEED[1];
    expect(product).toEqual({ ...seeded, price: { amount: 1234, currency: 'EUR' } });
  });

  it('rejects a price update of an unknown product with PRODUCT_NOT_FOUND', async () => {
    const products = await start();
    expect(await errorCode(products, UPDATE_PRICE, { id: 'p-9999', price: { amount: 1, currency: 'USD' } })).toBe('PRODUCT_NOT_FOUND');
  });

  it('rejects a price update with a bad currency with BAD_USER_INPUT', async () => {
    const products = await start();
    expect(await errorCode(products, UPDATE_PRICE, { id: 'p-0001', price: { amount: 1, currency: 'DOLLARS' } })).toBe('BAD_USER_INPUT');
  });

  it('resolves 100 Product entity references in one store round trip, unknown ones as null', async () => {
    const products = await start();
    const representations = Array.from({ length: 100 }, (_, i) => ({ __typename: 'Product', id: i === 99 ? 'p-nope' : SEED[i].id }));
    let entities: any[] = [];
    const trips = await roundTripsOf(products.store, async () => {
      ({ _entities: entities } = await data(products, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name price { amount } } } }', { r: representations }));
    });
    expect(trips).toBe(1);
    expect(entities).toHaveLength(100);
    expect(entities[0]).toEqual({ id: 'p-0001', name: SEED[0].name, price: { amount: SEED[0].price.amount } });
    expect(entities[99]).toBeNull();
  });

  it('answers a page of products in one store round trip', async () => {
    const products = await start();
    expect(await roundTripsOf(products.store, () => data(products, PAGE, { first: 50, category: 'toys' }))).toBe(1);
  });
});
