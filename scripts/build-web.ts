/**
 * `npm run build`'s second step: bundles the browser apps in web/ with esbuild
 * into dist/web/, which the gateway serves (no CDN at run time):
 *
 *   dist/web/ide/        GraphiQL (graphiql.js, graphiql.css) and Monaco's web workers
 *   dist/web/dashboard/  the operations dashboard (dashboard.js, dashboard.css)
 *
 * Every file is a classic script or a stylesheet, minified, with React in
 * production mode. Fonts the stylesheets reference are inlined. Each script and
 * stylesheet also gets a gzipped copy (`<file>.gz`) the gateway sends to
 * clients that take gzip (GraphiQL's ~5 MiB script is ~1.3 MiB gzipped).
 */
import { build, type BuildOptions } from 'esbuild';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..', '..');
const WEB = join(ROOT, 'web');
export const WEB_OUT = join(ROOT, 'dist', 'web');

const common: BuildOptions = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  platform: 'browser',
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl' },
  legalComments: 'linked',
  logLevel: 'warning',
};

/** Monaco's language workers, as graphiql's own set-up files name them (their packages publish these entry files for bundlers). */
const MONACO_WORKERS: Record<string, string> = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

/**
 * Builds into a folder of its own, then swaps it in with two renames: a
 * gateway (or a test) reading dist/web while another build runs never finds
 * it half written or missing.
 */
export async function buildWeb(): Promise<void> {
  const next = `${WEB_OUT}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await Promise.all([
    build({ ...common, entryPoints: { graphiql: join(WEB, 'ide', 'main.tsx') }, outdir: join(next, 'ide'), jsx: 'automatic' }),
    build({ ...common, entryPoints: MONACO_WORKERS, outdir: join(next, 'ide') }),
    build({ ...common, entryPoints: { dashboard: join(WEB, 'dashboard', 'main.ts') }, outdir: join(next, 'dashboard') }),
  ]);
  for (const app of ['ide', 'dashboard']) {
    const dir = join(next, app);
    for (const name of readdirSync(dir)) {
      if (extname(name) === '.js' || extname(name) === '.css') writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(dir, name)), { level: 9 }));
    }
  }
  const previous = `${WEB_OUT}.previous-${process.pid}`;
  if (existsSync(WEB_OUT)) renameSync(WEB_OUT, previous);
  renameSync(next, WEB_OUT);
  rmSync(previous, { recursive: true, force: true });
}

if (require.main === module) {
  buildWeb().catch((error: unknown) => {
    console.error(`build-web: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
