import { clientIpOf } from '../../gateway/src/gateway';
import { bearerToken, connectionParamsToken } from '../../gateway/src/auth/credentials';
import { AuthenticationError } from '../../gateway/src/auth/errors';
import { scopesFromClaims } from '../../gateway/src/auth/scopes';

describe('where a token comes from', () => {
  it('reads an HTTP bearer token, any case of the scheme', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('treats a missing header as an anonymous caller', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
  });

  it.each(['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer a b', 'abc.def.ghi'])('refuses the unusable header %p instead of going anonymous', (header) => {
    expect(() => bearerToken(header)).toThrow(AuthenticationError);
  });

  it('reads a graphql-ws connection_init payload: authorization (any case) or token', () => {
    expect(connectionParamsToken({ authorization: 'Bearer t1' })).toBe('t1');
    expect(connectionParamsToken({ Authorization: 'Bearer t2' })).toBe('t2');
    expect(connectionParamsToken({ token: 't3' })).toBe('t3');
    expect(connectionParamsToken({})).toBeUndefined();
    expect(connectionParamsToken(undefined)).toBeUndefined();
  });

  it.each([[[1, 2]], ['a string'], [{ authorization: 42 }], [{ token: '' }], [{ authorization: 'Basic x' }]])('refuses the payload %p', (payload) => {
    expect(() => connectionParamsToken(payload)).toThrow(AuthenticationError);
  });
});

describe('scopes of a verified token', () => {
  it('splits the OAuth 2 scope claim on whitespace', () => {
    expect(scopesFromClaims({ scope: 'payments:write  inventory:write' })).toEqual(new Set(['payments:write', 'inventory:write']));
  });

  it('reads scp or scopes arrays when there is no scope claim', () => {
    expect(scopesFromClaims({ scp: ['a', 'b'] })).toEqual(new Set(['a', 'b']));
    expect(scopesFromClaims({ scopes: ['c'] })).toEqual(new Set(['c']));
  });

  it('reads only the configured claim when one is set', () => {
    expect(scopesFromClaims({ scope: 'ignored', permissions: ['p:1'] }, 'permissions')).toEqual(new Set(['p:1']));
  });

  it('ignores values that are neither strings nor arrays of strings', () => {
    expect(scopesFromClaims({ scope: 7 })).toEqual(new Set());
    expect(scopesFromClaims({ scp: ['ok', 3, ''] })).toEqual(new Set(['ok']));
  });
});

describe('the client address rate limits key anonymous callers by', () => {
  const request = (remoteAddress: string, forwarded?: string) =>
    ({ socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as never;

  it('is the socket address unless the proxy is trusted', () => {
    expect(clientIpOf(request('10.0.0.5', '1.2.3.4'), false)).toBe('10.0.0.5');
  });

  it('is the entry the trusted proxy appended, not one the client made up', () => {
    expect(clientIpOf(request('10.0.0.5', 'spoofed, 203.0.113.7'), true)).toBe('203.0.113.7');
    expect(clientIpOf(request('10.0.0.5'), true)).toBe('10.0.0.5');
  });
});
