import { clientKey } from '../../../gateway/src/ratelimit';

describe('clientKey', () => {
  it('keys a caller with a token by its subject', () => {
    expect(clientKey({ subject: 'alice', apiKey: 'k-123', ip: '1.2.3.4' })).toBe('sub:alice');
  });

  it("keys a caller with a configured API key by the key's name (the authenticator passes names, never keys)", () => {
    expect(clientKey({ apiKey: 'partner-a', ip: '1.2.3.4' })).toBe('key:partner-a');
    expect(clientKey({ apiKey: 'partner-b' })).not.toBe('key:partner-a');
  });

  it('keys an anonymous caller by address, an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientKey({ ip: '1.2.3.4' })).toBe('ip:1.2.3.4');
    expect(clientKey({ ip: '::ffff:1.2.3.4' })).toBe('ip:1.2.3.4');
    expect(clientKey({ subject: null, apiKey: '', ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
  });

  it('keys an IPv6 caller by its /64, so one subscriber cannot take a fresh bucket per address', () => {
    expect(clientKey({ ip: '2001:db8:0:1::17' })).toBe('ip:2001:db8:0:1::/64');
    expect(clientKey({ ip: '2001:0db8:0000:0001:ffff:ffff:ffff:ffff' })).toBe('ip:2001:db8:0:1::/64');
    expect(clientKey({ ip: '2001:db8::1' })).toBe('ip:2001:db8:0:0::/64');
    expect(clientKey({ ip: '::1' })).toBe('ip:0:0:0:0::/64');
    expect(clientKey({ ip: 'fe80::1%eth0' })).toBe('ip:fe80:0:0:0::/64');
    expect(clientKey({ ip: '64:ff9b::192.0.2.33' })).toBe('ip:64:ff9b:0:0::/64');
  });

  it('puts every caller with no identity at all in one bucket', () => {
    expect(clientKey({})).toBe('ip:unknown');
    expect(clientKey({ subject: '', ip: '' })).toBe('ip:unknown');
  });
});
