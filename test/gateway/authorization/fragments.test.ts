import { parse } from 'graphql';
import { anonymous, authorize, compact, respond, shopAuthorizer, signedIn } from './support';

describe('filtering fragments', () => {
  it('filters a named fragment once and reports a denial at every place it is spread', () => {
    const outcome = authorize(
      shopAuthorizer(),
      `{ products { ...ProductFields } also: products { ...ProductFields } }
       fragment ProductFields on Product { id cost }`,
      signedIn(),
    );
    expect(outcome.denials.map((d) => d.path)).toEqual([
      ['products', '@', 'cost'],
      ['also', '@', 'cost'],
    ]);
    expect(compact(outcome.document)).toBe(
      compact(`{ products { ...ProductFields } also: products { ...ProductFields } }
               fragment ProductFields on Product { id }`),
    );
  });

  it('removes the spreads of a fragment left empty and drops its definition', () => {
    const outcome = authorize(
      shopAuthorizer(),
      `{ products { id ...Costs } }
       fragment Costs on Product { cost supplierEmail }`,
      signedIn(),
    );
    expect(compact(outcome.document)).toBe(compact('{ products { id } }'));
    expect(outcome.denials.map((d) => d.path)).toEqual([
      ['products', '@', 'cost'],
      ['products', '@', 'supplierEmail'],
    ]);
  });

  it('removes a parent whose only selection was a fragment left empty', () => {
    const outcome = authorize(
      shopAuthorizer(),
      `{ greeting vault { ...Metals } }
       fragment Metals on Vault { gold silver }`,
      anonymous,
    );
    expect(compact(outcome.document)).toBe(compact('{ greeting }'));
  });

  it('drops a fragment only a removed field spread, and keeps nested fragments still used', () => {
    const outcome = authorize(
      shopAuthorizer(),
      `{ me { ...UserFields } products { ...Named } }
       fragment UserFields on User { id ...Named2 }
       fragment Named2 on User { name }
       fragment Named on Product { name }`,
      anonymous,
    );
    expect(compact(outcome.document)).toBe(compact('{ products { ...Named } } fragment Named on Product { name }'));
  });

  it('removes the spreads of a fragment on a restricted type, reporting each place', () => {
    const outcome = authorize(
      shopAuthorizer(),
      `{ search(term: "a") { ...BookFields ... on Video { id } } again: search(term: "b") { ...BookFields ... on Video { id } } }
       fragment BookFields on Book { id title }`,
      anonymous,
    );
    expect(outcome.denials).toMatchObject([
      { path: ['search', '@'], coordinate: 'Book', reason: 'authentication' },
      { path: ['again', '@'], coordinate: 'Book', reason: 'authentication' },
    ]);
    expect(compact(outcome.document)).not.toContain('BookFields');
  });

  it('keeps only the named operation and drops a fragment it no longer spreads', () => {
    const outcome = authorize(
      shopAuthorizer(),
      `query Mine { me { ...U } } query Products { products { id } }
       fragment U on User { id }`,
      anonymous,
      'Mine',
    );
    expect(outcome.nothingLeft).toBe(true);
    expect(compact(outcome.document)).toBe(compact('query Mine { __authz_typename: __typename }'));
  });

  it('answers a fragment-heavy operation with nulls where fields were removed', async () => {
    const { response } = await respond(
      shopAuthorizer(),
      `{ products { ...P } }
       fragment P on Product { id cost }`,
      signedIn(),
    );
    expect(response.data).toEqual({
      products: [
        { id: 'p1', cost: null },
        { id: 'p2', cost: null },
      ],
    });
    expect(response.errors.map((e) => (e as { path: unknown }).path)).toEqual([
      ['products', 0, 'cost'],
      ['products', 1, 'cost'],
    ]);
  });

  it('survives a fragment cycle in a document that skipped validation', () => {
    const document = parse(`{ products { ...A } } fragment A on Product { cost ...B } fragment B on Product { id ...A }`);
    const outcome = shopAuthorizer().authorize(document, undefined, signedIn());
    expect(outcome.denials.map((d) => d.path)).toEqual([['products', '@', 'cost']]);
  });
});
