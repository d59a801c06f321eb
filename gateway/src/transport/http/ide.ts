import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteHandler } from '../../../../lib/http/routes';
import { bundlePage, staticAssetRoutes, webBundlesDir } from './static-assets';

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
  const page = bundlePage({
    title: 'GraphQL IDE',
    built,
    assetsPath: IDE_ASSETS_PATH,
    stylesheet: 'graphiql.css',
    script: 'graphiql.js',
    data: { endpoint: graphqlPath },
    head: '<style>html, body, #graphiql { height: 100%; margin: 0; }</style>\n',
    body: '<div id="graphiql">Loading the GraphQL IDE…</div>',
  });
  return { page, routes: staticAssetRoutes(dir, IDE_ASSETS_PATH), built };
}
