import { negotiate } from '../../../gateway/src/transport/http/negotiate';

describe('GraphQL over HTTP content negotiation', () => {
  it('answers application/graphql-response+json without an Accept header, or for wildcards (the spec since its 2025 watershed)', () => {
    expect(negotiate(undefined, { html: false })).toBe('application/graphql-response+json');
    expect(negotiate('*/*', { html: false })).toBe('application/graphql-response+json');
    expect(negotiate('application/*', { html: false })).toBe('application/graphql-response+json');
  });

  it("follows the client's order and qualities between the two JSON types", () => {
    expect(negotiate('application/json', { html: false })).toBe('application/json');
    expect(negotiate('application/graphql-response+json, application/json', { html: false })).toBe('application/graphql-response+json');
    expect(negotiate('application/json, application/graphql-response+json', { html: false })).toBe('application/json');
    expect(negotiate('application/json;q=0.5, application/graphql-response+json;q=0.9', { html: false })).toBe('application/graphql-response+json');
    expect(negotiate('application/json, */*;q=0.1', { html: false })).toBe('application/json');
  });

  it('offers the IDE page to browsers only when it may be served', () => {
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    expect(negotiate(browser, { html: true })).toBe('text/html');
    expect(negotiate(browser, { html: false })).toBe('application/graphql-response+json');
  });

  it('accepts nothing it cannot produce (406), nor what the client refused with q=0', () => {
    expect(negotiate('text/csv', { html: false })).toBeUndefined();
    expect(negotiate('application/json;q=0', { html: false })).toBeUndefined();
  });
});
