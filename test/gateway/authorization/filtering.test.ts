import { parse } from 'graphql';
import { UNAUTHORIZED_FIELD_OR_TYPE } from '../../../gateway/src/auth/authorization';
import { anonymous, authorize, compact, respond, shopAuthorizer, signedIn } from './support';

describe('filtering an operation before planning', () => {
  it('leaves a public operation untouched: the same document object, no denials, key ""', () => {
    const document = parse('{ products { id name } greeting }');
    const outcome = authorize(shopAuthorizer(), document, anonymous);
    expect(outcome.document).toBe(document);
    expect(outcome).toMatchObject({ denials: [], nothingLeft: false, key: '', needsAuthentication: false });
  });

  it('removes an @authenticated field for an anonymous caller and reports its path', () => {
    const outcome = authorize(shopAuthorizer(), '{ products { id } me { name } }', anonymous);
    expect(compact(outcome.document)).toBe(compact('{ products { id } }'));
    expect(outcome.denials).toMatchObject([{ path: ['me'], coordinate: 'Query.me', reason: 'authentication' }]);
    expect(outcome.key).not.toBe('');
  });

  it('keeps an @authenticated field for an authenticated caller', () => {
    const document = parse('{ products { id } me { name } }');
    const outcome = authorize(shopAuthorizer(), document, signedIn());
    expect(outcome.document).toBe(document);
    expect(outcome.denials).toMatchObject([]);
  });

  describe('@requiresScopes(scopes: [["read:suppliers", "read:emails"], ["admin"]]) means (read:suppliers AND read:emails) OR admin', () => {
    it.each([
      ['no scope', [], 'denied'],
      ['only read:suppliers', ['read:suppliers'], 'denied'],
      ['only read:emails', ['read:emails'], 'denied'],
      ['read:suppliers and read:emails', ['read:suppliers', 'read:emails'], 'allowed'],
      ['admin alone', ['admin'], 'allowed'],
      ['admin and an unrelated scope', ['admin', 'read:cost'], 'allowed'],
    ])('with %s (%j) the field is %s', (_, scopes, verdict) => {
      const allowed = verdict === 'allowed';
      const outcome = authorize(shopAuthorizer(), '{ products { id supplierEmail } }', signedIn(...scopes));
      expect(outcome.denials.map((d) => d.coordinate)).toEqual(allowed ? [] : ['Product.supplierEmail']);
      expect(compact(outcome.document)).toBe(compact(allowed ? '{ products { id supplierEmail } }' : '{ products { id } }'));
    });
  });

  it('reports a missing scope as such even when the caller is authenticated', () => {
    const outcome = authorize(shopAuthorizer(), '{ products { id cost } }', signedIn());
    expect(outcome.denials).toMatchObject([{ path: ['products', '@', 'cost'], coordinate: 'Product.cost', reason: 'scopes' }]);
    expect(outcome.needsAuthentication).toBe(false);
  });

  it('asks an anonymous caller to authenticate (401) even for a scope denial: scopes come with an identity', () => {
    const outcome = authorize(shopAuthorizer(), '{ products { id cost } }', anonymous);
    expect(outcome.denials[0].reason).toBe('scopes');
    expect(outcome.needsAuthentication).toBe(true);
  });

  it('applies a type-level requirement to every field returning the type', () => {
    const outcome = authorize(shopAuthorizer(), '{ reports { id } products { id } }', signedIn());
    expect(outcome.denials).toMatchObject([{ path: ['reports'], coordinate: 'Query.reports', reason: 'scopes' }]);
    expect(compact(outcome.document)).toBe(compact('{ products { id } }'));
  });

  it('applies requirements on scalars and enums to the fields returning them', () => {
    const outcome = authorize(shopAuthorizer(), '{ ssn level greeting }', anonymous);
    expect(outcome.denials.map((d) => d.coordinate)).toEqual(['Query.ssn', 'Query.level']);
    expect(compact(outcome.document)).toBe(compact('{ greeting }'));
  });

  it('reports one denial per alias of a denied field', () => {
    const outcome = authorize(shopAuthorizer(), '{ products { id a: cost b: cost } }', signedIn());
    expect(outcome.denials.map((d) => d.path)).toEqual([
      ['products', '@', 'a'],
      ['products', '@', 'b'],
    ]);
  });

  it('writes list levels as "@" in the path', () => {
    const payments = authorize(shopAuthorizer(), '{ payments { nodes { id customerId } } }', signedIn('read:payments'));
    expect(payments.denials.map((d) => d.path)).toEqual([['payments', 'nodes', '@', 'customerId']]);
    const grid = authorize(shopAuthorizer(), '{ grid { value secret } }', anonymous);
    expect(grid.denials.map((d) => d.path)).toEqual([['grid', '@', '@', 'secret']]);
  });

  it('removes a parent whose selection is left empty, reporting the removed children', () => {
    const outcome = authorize(shopAuthorizer(), '{ vault { gold silver } greeting }', anonymous);
    expect(compact(outcome.document)).toBe(compact('{ greeting }'));
    expect(outcome.denials.map((d) => d.path)).toEqual([
      ['vault', 'gold'],
      ['vault', 'silver'],
    ]);
  });

  it('keeps a parent that still selects __typename, which is always allowed', () => {
    const outcome = authorize(shopAuthorizer(), '{ vault { __typename gold } }', anonymous);
    expect(compact(outcome.document)).toBe(compact('{ vault { __typename } }'));
  });

  it('says nothingLeft when every root field is removed, with a document that reveals nothing if executed', () => {
    const outcome = authorize(shopAuthorizer(), '{ me { id } vault { gold } }', anonymous);
    expect(outcome.nothingLeft).toBe(true);
    expect(compact(outcome.document)).toBe(compact('{ __authz_typename: __typename }'));
    expect(outcome.denials.map((d) => d.path)).toEqual([['me'], ['vault', 'gold']]);
  });

  it('drops a variable definition only the removed fields used', () => {
    const outcome = authorize(
      shopAuthorizer(),
      'query Q($name: String, $withMe: Boolean!) { greeting(name: $name) me @include(if: $withMe) { id } }',
      anonymous,
    );
    expect(compact(outcome.document)).toBe(compact('query Q($name: String) { greeting(name: $name) }'));
  });

  it('keeps a variable still used elsewhere, including in a directive', () => {
    const outcome = authorize(
      shopAuthorizer(),
      'query Q($on: Boolean!) { greeting @include(if: $on) me @include(if: $on) { id } }',
      anonymous,
    );
    expect(compact(outcome.document)).toBe(compact('query Q($on: Boolean!) { greeting @include(if: $on) }'));
  });

  it('authorizes the operation named by operationName, and plans only that one', () => {
    const query = 'query Public { products { id } } query Private { me { id } products { id } }';
    const authorizer = shopAuthorizer();
    const publicOutcome = authorize(authorizer, query, anonymous, 'Public');
    expect(publicOutcome.denials).toMatchObject([]);
    const privateOutcome = authorize(authorizer, query, anonymous, 'Private');
    expect(privateOutcome.denials.map((d) => d.path)).toEqual([['me']]);
    expect(compact(privateOutcome.document)).toBe(compact('query Private { products { id } }'));
  });

  it('leaves an operation it cannot resolve to execution, which reports it', () => {
    const document = parse('query A { me { id } } query B { me { id } }');
    const outcome = authorize(shopAuthorizer(), document, anonymous);
    expect(outcome.document).toBe(document);
  });

  it('lets introspection through', () => {
    const document = parse('{ __schema { queryType { name } } __type(name: "User") { name } __typename }');
    expect(authorize(shopAuthorizer(), document, anonymous).document).toBe(document);
  });

  describe('abstract types', () => {
    it('removes an inline fragment on a restricted member of a union, reported at the list item', () => {
      const outcome = authorize(shopAuthorizer(), '{ search(term: "x") { ... on Video { title } ... on Book { title } } }', anonymous);
      expect(outcome.denials).toMatchObject([{ path: ['search', '@'], coordinate: 'Book', reason: 'authentication' }]);
      expect(compact(outcome.document)).toBe(
        compact('{ search(term: "x") { ... on Video { title } __authz_typename: __typename } }'),
      );
    });

    it('removes a restricted field inside a fragment on an implementation of an interface', () => {
      const outcome = authorize(shopAuthorizer(), '{ nodes { id ... on Account { owner balance } } }', signedIn());
      expect(outcome.denials).toMatchObject([{ path: ['nodes', '@', 'balance'], coordinate: 'Account.balance', reason: 'scopes' }]);
      expect(compact(outcome.document)).toBe(
        compact('{ nodes { id ... on Account { owner } __authz_typename: __typename } }'),
      );
    });

    it('asks for no runtime type where no fragment narrows an abstract type', () => {
      const outcome = authorize(shopAuthorizer(), '{ products { id cost } }', signedIn());
      expect(compact(outcome.document)).not.toContain('__authz_typename');
    });
  });

  it('uses UNAUTHORIZED_FIELD_OR_TYPE as the error code, and says what is missing: a token', async () => {
    const { response } = await respond(shopAuthorizer(), '{ me { id } greeting }', anonymous);
    expect(response.errors).toEqual([
      {
        message: 'Unauthorized field or type: Query.me requires authentication; send a token (Authorization: Bearer <JWT>)',
        path: ['me'],
        extensions: { code: UNAUTHORIZED_FIELD_OR_TYPE, reason: 'authentication' },
      },
    ]);
  });

  it('says which scope a signed-in caller lacks, in the message and in extensions.requiredScopes', async () => {
    const { response } = await respond(shopAuthorizer(), '{ products { id cost } }', signedIn());
    expect(response.errors).toEqual([
      {
        message: 'Unauthorized field or type: Product.cost requires the scope "read:cost"',
        path: ['products', 0, 'cost'],
        extensions: { code: UNAUTHORIZED_FIELD_OR_TYPE, reason: 'scopes', requiredScopes: [['read:cost']] },
      },
      expect.objectContaining({ path: ['products', 1, 'cost'] }),
    ]);
  });
});
