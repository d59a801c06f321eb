/**
 * Content negotiation of GraphQL over HTTP (graphql-over-http spec): the
 * response media type is the client's highest-priority one we support.
 * Since the spec's 2025-01-01 watershed a request without Accept (or with
 * only wildcards) gets `application/graphql-response+json`, whose status
 * codes tell request errors (4xx) from executed operations (200); legacy
 * `application/json` answers every well-formed request with 200.
 */
import { DEFER_SPEC_20220824, INCREMENTAL_SPEC_V02, type IncrementalFormat } from '../../pipeline/incremental';

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const JSON_MEDIA_TYPE = 'application/json';
export const HTML = 'text/html';

export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof JSON_MEDIA_TYPE | typeof HTML;

interface Range {
  type: string;
  quality: number;
  order: number;
  parameters: string[];
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
      case MULTIPART_MIXED:
        // A client that takes parts takes an answer in one JSON part too (Apollo Router answers it so).
        consider(JSON_MEDIA_TYPE, range, false);
        break;
    }
  }
  return best?.type;
}

export const MULTIPART_MIXED = 'multipart/mixed';

/**
 * The incremental (@defer) format a client takes in `multipart/mixed`, or
 * undefined when it takes none: `incrementalSpec=v0.2` when it says so,
 * `deferSpec=20220824` (Apollo Client 3, Relay) when it says so or names no
 * spec; a spec we do not speak counts as none.
 */
export function incrementalFormatOf(accept: string | undefined): IncrementalFormat | undefined {
  if (!accept) return undefined;
  for (const range of parseAccept(accept)) {
    if (range.type !== MULTIPART_MIXED || range.quality <= 0) continue;
    const spec = range.parameters.find((p) => p.startsWith('deferspec=') || p.startsWith('incrementalspec='));
    if (spec === undefined || spec === 'deferspec=20220824') return DEFER_SPEC_20220824;
    if (spec === 'incrementalspec=v0.2') return INCREMENTAL_SPEC_V02;
  }
  return undefined;
}

function parseAccept(accept: string): Range[] {
  return accept.split(',').map((part, order) => {
    const [type, ...parameters] = part.split(';').map((p) => p.trim().toLowerCase().replace(/\s*=\s*/, '=').replace(/"/g, ''));
    const q = parameters.find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    return { type, quality: Number.isFinite(quality) ? quality : 0, order, parameters };
  });
}
