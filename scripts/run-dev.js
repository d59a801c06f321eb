#!/usr/bin/env node
'use strict';
/**
 * Runs a compiled helper script (`npm run token`, `npm run subscribe`),
 * building first only when a TypeScript source is newer than the build, so
 * a helper starts in a fraction of a second after the first build instead of
 * paying a full `tsc` every call. Helpers are development tools: NODE_ENV
 * defaults to development for them (the gateway itself treats an unset
 * NODE_ENV as production).
 *
 * Usage: node scripts/run-dev.js <script name in dist/scripts> [args...]
 */
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const SOURCE_DIRS = ['lib', 'gateway', 'subgraphs', 'scripts', 'bench'];
const SKIP = new Set(['node_modules', 'dist']);

/** The newest mtime of the .ts sources and build configuration. */
function newestSource() {
  let newest = Math.max(...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => statSync(join(ROOT, f)).mtimeMs));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(ROOT, dir));
  return newest;
}

/** When the script was last compiled (tsc rewrites every output file). */
function buildTime(entry) {
  return existsSync(entry) ? statSync(entry).mtimeMs : -Infinity;
}

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node scripts/run-dev.js <script> [args...]\n');
  process.exit(2);
}
const entry = join(ROOT, 'dist', 'scripts', `${script}.js`);
if (buildTime(entry) < newestSource()) {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
process.env.NODE_ENV ||= 'development';
// Run the script as the main module (its `require.main === module` check holds), in this process.
process.argv = [process.argv[0], entry, ...args];
require('node:module').runMain();
