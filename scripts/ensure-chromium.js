#!/usr/bin/env node
'use strict';
/**
 * `npm test`'s first step: the browser specs (test/browser) drive Debian's
 * `chromium` (never a browser downloaded by playwright). When it is missing,
 * root installs it with apt-get, as .ci/run does for redis-server and
 * chromium; anyone else gets the exact command on the first line, and the
 * test run stops.
 */
const { spawnSync } = require('node:child_process');

const INSTALL = 'apt-get update && apt-get install -y chromium';
const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

if (!onPath('chromium')) {
  if (process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && onPath('apt-get')) {
    console.log("test: installing chromium (Debian package) for the browser specs");
    const result = spawnSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq chromium >/dev/null`], { stdio: 'inherit' });
    if (result.status !== 0 || !onPath('chromium')) {
      console.error(`test: could not install chromium; run: ${INSTALL}`);
      process.exit(1);
    }
  } else {
    console.error(`sudo sh -c '${INSTALL}'   # the browser specs (test/browser) need Debian's chromium`);
    process.exit(1);
  }
}
