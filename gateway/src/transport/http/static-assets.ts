import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import type { RouteHandler } from '../../../../lib/http/routes';

/**
 * Where `npm run build` writes the browser bundles (scripts/build-web.ts):
 * `dist/web`. This file runs compiled from dist/gateway/src/transport/http
 * (four levels below dist) or, under ts-jest, from gateway/src/transport/http
 * (four below the root, whose dist/web it then serves).
 */
export function webBundlesDir(): string {
  const up = join(__dirname, '..', '..', '..', '..');
  return [join(up, 'dist', 'web'), join(up, 'web')].find((dir) => existsSync(join(dir, 'ide'))) ?? join(up, 'dist', 'web');
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  /** The build's gzipped copy (`<file>.gz`), when it wrote one. */
  gzipped?: Buffer;
  contentType: string;
  etag: string;
}

/**
 * One route per file of a bundle folder. A file is read on its first request
 * and then served from memory, with the gzipped copy the build wrote beside
 * it (`<file>.gz`) to clients that take gzip: a gateway whose IDE nobody
 * opens never reads its ~5 MiB. Bundle names are not content-hashed, so
 * browsers revalidate (ETag, 304). An absent folder (no `npm run build` yet)
 * gives no routes.
 */
export function staticAssetRoutes(dir: string, urlPrefix: string): Record<string, RouteHandler> {
  if (!existsSync(dir)) return {};
  const routes: Record<string, RouteHandler> = {};
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    let asset: Asset | undefined;
    const load = (): Asset => {
      const body = readFileSync(join(dir, name));
      const gz = join(dir, `${name}.gz`);
      return {
        body,
        contentType,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        ...(existsSync(gz) && { gzipped: readFileSync(gz) }),
      };
    };
    routes[`${urlPrefix}/${name}`] = (req, res) => serveAsset(req, res, (asset ??= load()));
  }
  return routes;
}

function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string | number> = {
    'content-type': asset.contentType,
    'cache-control': 'no-cache',
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
    res.end();
    return;
  }
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = asset.gzipped && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzipped! : asset.body;
  res.writeHead(200, { ...headers, ...(gzip && { 'content-encoding': 'gzip' }), 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** An HTML page answered with the headers every page of ours carries. */
export function sendHtml(res: ServerResponse, html: string, contentSecurityPolicy: string): void {
  const body = Buffer.from(html);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The HTML shell of a bundled web app (the IDE, the dashboard): its
 * stylesheet and script from `assetsPath`, its settings as `data-*`
 * attributes of <body> (escaped), or, when the build has not produced the
 * bundle, a page that says to run it.
 */
export function bundlePage(app: {
  title: string;
  built: boolean;
  assetsPath: string;
  stylesheet: string;
  script: string;
  data: Record<string, string | undefined>;
  head?: string;
  body: string;
}): string {
  if (!app.built) {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${app.title} · not built</title></head>
<body><p>The ${app.title} is on, but its bundle has not been built: run <code>npm run build</code> and restart the gateway.</p></body>
</html>
`;
  }
  const data = Object.entries(app.data)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` data-${name}="${escapeAttribute(value!)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${app.title} · federation gateway</title>
<link rel="stylesheet" href="${app.assetsPath}/${app.stylesheet}">
${app.head ?? ''}</head>
<body${data}>
${app.body}
<script src="${app.assetsPath}/${app.script}"></script>
</body>
</html>
`;
}
