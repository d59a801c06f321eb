import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteHandler } from '../../../../lib/http/routes';
import { staticAssetRoutes, webBundlesDir } from './static-assets';

/** Where the IDE's bundle (GraphiQL, its stylesheet, Monaco's workers) is served. */
export const IDE_ASSETS_PATH = '/ide';

export interface Ide {
  /** The page browsers get on GET /graphql (Accept: text/html). */
  page: string;
  /** The bundle's files, one route each. */
  routes: Record<string, RouteHandler>;
  /** False when `npm run build` has not produced the bundle: the page says so. */
  built: boolean;
}

/**
 * The GraphQL IDE for browsers when `security.ide` is on: GraphiQL bundled by
 * our own build (web/ide, scripts/build-web.ts) and served from the gateway's
 * memory, so it works with no network but the gateway's: schema docs,
 * a headers editor, subscriptions over graphql-ws and @defer over
 * multipart/mixed on `graphqlPath`.
 */
export function createIde(graphqlPath: string, bundles = webBundlesDir()): Ide {
  const dir = join(bundles, 'ide');
  const built = existsSync(join(dir, 'graphiql.js'));
  return { page: built ? idePage(graphqlPath) : notBuiltPage(), routes: staticAssetRoutes(dir, IDE_ASSETS_PATH), built };
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function idePage(graphqlPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphQL IDE · federation gateway</title>
<link rel="stylesheet" href="${IDE_ASSETS_PATH}/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body data-endpoint="${escapeAttribute(graphqlPath)}">
<div id="graphiql">Loading the GraphQL IDE…</div>
<script src="${IDE_ASSETS_PATH}/graphiql.js"></script>
</body>
</html>
`;
}

function notBuiltPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphQL IDE · not built</title></head>
<body><p>The GraphQL IDE is on, but its bundle has not been built: run <code>npm run build</code> and restart the gateway.</p></body>
</html>
`;
}
