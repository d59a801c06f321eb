import { parse } from 'graphql';
import * as analysis from '../../../gateway/src/auth/authorization/analysis';
import * as filter from '../../../gateway/src/auth/authorization/filter';
import { Authorizer, readAccessPolicy } from '../../../gateway/src/auth/authorization';
import { FEDERATION_LINK, anonymous, apiSchemaOf, composeSupergraph, shopAuthorizer, signedIn } from './support';

const QUERY = '{ products { id cost supplierEmail } me { id } }';

afterEach(() => jest.restoreAllMocks());

describe('caching authorization outcomes', () => {
  it('returns the identical outcome for the same document, operation and caller', () => {
    const authorizer = shopAuthorizer();
    const document = parse(QUERY);
    const first = authorizer.authorize(document, undefined, anonymous);
    expect(authorizer.authorize(document, undefined, anonymous)).toBe(first);
  });

  it('shares one outcome between different callers that satisfy the same requirements', () => {
    const authorizer = shopAuthorizer();
    const document = parse(QUERY);
    // read:orders is touched by nothing in the operation, so it cannot make a difference.
    const alice = authorizer.authorize(document, undefined, signedIn('read:cost'));
    const bob = authorizer.authorize(document, undefined, signedIn('read:cost', 'read:orders'));
    expect(bob).toBe(alice);
  });

  it('computes a separate outcome for a caller that satisfies different requirements', () => {
    const authorizer = shopAuthorizer();
    const document = parse(QUERY);
    const costOnly = authorizer.authorize(document, undefined, signedIn('read:cost'));
    const admin = authorizer.authorize(document, undefined, signedIn('read:cost', 'admin'));
    expect(admin).not.toBe(costOnly);
    expect(costOnly.denials.map((d) => d.coordinate)).toEqual(['Product.supplierEmail']);
    expect(admin.denials).toMatchObject([]);
  });

  it('walks a document once per operation, and filters once per caller class', () => {
    const analyse = jest.spyOn(analysis, 'analyseOperation');
    const filterOperation = jest.spyOn(filter, 'filterOperation');
    const authorizer = shopAuthorizer();
    const document = parse('query A { me { id } } query B { products { cost } }');
    for (let i = 0; i < 3; i++) {
      authorizer.authorize(document, 'A', anonymous);
      authorizer.authorize(document, 'A', signedIn());
      authorizer.authorize(document, 'B', signedIn());
    }
    expect(analyse).toHaveBeenCalledTimes(2);
    expect(filterOperation).toHaveBeenCalledTimes(2); // A for the anonymous caller, B for the signed-in one
  });

  it('keeps the analysis per document object: a new parse of the same text is analysed again, with the same key', () => {
    const analyse = jest.spyOn(analysis, 'analyseOperation');
    const authorizer = shopAuthorizer();
    const first = authorizer.authorize(parse(QUERY), undefined, anonymous);
    const second = authorizer.authorize(parse(QUERY), undefined, anonymous);
    expect(analyse).toHaveBeenCalledTimes(2);
    expect(second).not.toBe(first);
    expect(second.key).toBe(first.key);
  });

  it('gives equal removals the same plan-cache key and different removals different keys', () => {
    const authorizer = shopAuthorizer();
    const document = parse('{ products { id } me { email } }');
    // Both lose `me`; only the first also fails email's scopes, which changes nothing once `me` is gone.
    const plainAnonymous = authorizer.authorize(document, undefined, anonymous);
    const anonymousAdmin = authorizer.authorize(document, undefined, { authenticated: false, scopes: new Set(['admin']) });
    expect(anonymousAdmin).not.toBe(plainAnonymous);
    expect(anonymousAdmin.key).toBe(plainAnonymous.key);

    const lostEmail = authorizer.authorize(document, undefined, signedIn());
    expect(lostEmail.key).not.toBe(plainAnonymous.key);
    expect(authorizer.authorize(document, undefined, signedIn('admin')).key).toBe('');
  });

  it('keeps at most maxOutcomesPerDocument caller classes per document, forgetting the oldest and recomputing it when asked again', () => {
    const authorizer = shopAuthorizer({ maxOutcomesPerDocument: 1 });
    const document = parse(QUERY);
    const first = authorizer.authorize(document, undefined, anonymous);
    authorizer.authorize(document, undefined, signedIn());
    const again = authorizer.authorize(document, undefined, anonymous);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('skips every operation when the supergraph has no authorization directive', () => {
    const analyse = jest.spyOn(analysis, 'analyseOperation');
    const supergraph = composeSupergraph({ open: `${FEDERATION_LINK}\ntype Query { hello: String }` });
    const schema = apiSchemaOf(supergraph);
    const authorizer = new Authorizer(readAccessPolicy(supergraph, schema), schema);
    const document = parse('{ hello }');
    expect(authorizer.authorize(document, undefined, anonymous)).toMatchObject({ document, key: '', denials: [] });
    expect(analyse).not.toHaveBeenCalled();
  });
});
