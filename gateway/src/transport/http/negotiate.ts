/**
 * Content negotiation of GraphQL over HTTP (graphql-over-http spec): the
 * response media type is the client's highest-priority one we support.
 * Since the spec's 2025-01-01 watershed a request without Accept (or with
 * only wildcards) gets `application/graphql-response+json`, whose status
 * codes tell request errors (4xx) from executed operations (200); legacy
 * `application/json` answers every well-formed request with 200.
 */
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const JSON_MEDIA_TYPE = 'application/json';
export const HTML = 'text/html';

export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof JSON_MEDIA_TYPE | typeof HTML;

interface Range {
  type: string;
  quality: number;
  order: number;
}

/**
 * The media type to answer with, or undefined when the client accepts none
 * we can produce (406). `html` is offered only when the IDE may be served.
 */
export function negotiate(accept: string | undefined, { html }: { html: boolean }): ResponseMediaType | undefined {
  if (accept === undefined || accept.trim() === '') return GRAPHQL_RESPONSE_JSON;
  const ranges = parseAccept(accept);
  let best: { type: ResponseMediaType; quality: number; order: number; specific: boolean } | undefined;
  const consider = (type: ResponseMediaType, range: Range, specific: boolean) => {
    if (range.quality <= 0) return;
    const better =
      !best || range.quality > best.quality || (range.quality === best.quality && (specific && !best.specific ? true : specific === best.specific && range.order < best.order));
    if (better) best = { type, quality: range.quality, order: range.order, specific };
  };
  for (const range of ranges) {
    switch (range.type) {
      case GRAPHQL_RESPONSE_JSON:
        consider(GRAPHQL_RESPONSE_JSON, range, true);
        break;
      case JSON_MEDIA_TYPE:
        consider(JSON_MEDIA_TYPE, range, true);
        break;
      case HTML:
        if (html) consider(HTML, range, true);
        break;
      case 'application/*':
      case '*/*':
        consider(GRAPHQL_RESPONSE_JSON, range, false);
        break;
    }
  }
  return best?.type;
}

function parseAccept(accept: string): Range[] {
  return accept.split(',').map((part, order) => {
    const [type, ...parameters] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = parameters.find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    return { type, quality: Number.isFinite(quality) ? quality : 0, order };
  });
}
