import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium, found on PATH (`command -v chromium`, /usr/bin/chromium
 * on Debian); `npm test` and .ci/run install it when missing. Never a browser
 * downloaded by playwright.
 */
export function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error("the browser specs need Debian's chromium: apt-get install -y chromium");
  }
}

export function launchChromium(): Promise<Browser> {
  // As root (CI) chromium refuses to start with its sandbox.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

let screenshots: string | undefined;

/** One folder per test file for the screenshots a person can look at; its path is printed. */
export function screenshotFolder(name: string): string {
  if (!screenshots) {
    mkdirSync(join(tmpdir(), 'gateway-browser-specs'), { recursive: true });
    screenshots = mkdtempSync(join(tmpdir(), 'gateway-browser-specs', `${name}-`));
    process.stdout.write(`browser specs: screenshots of ${name} in ${screenshots}\n`);
  }
  return screenshots;
}

export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const path = join(folder, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for an http(s)/ws(s) URL to this machine's loopback, and for URLs that never leave the page (data:, blob:). */
export function isLoopback(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'about:') return true;
  return LOOPBACK_HOSTS.has(parsed.hostname) || /^127\.\d+\.\d+\.\d+$/.test(parsed.hostname);
}

/**
 * Keeps a context's pages on loopback: every request (the page's, its
 * workers') to another host is aborted and recorded, as are WebSockets
 * opened elsewhere, so a spec can assert that none was even attempted.
 */
export async function loopbackOnly(context: BrowserContext): Promise<{ blocked: string[]; seen: string[] }> {
  const record = { blocked: [] as string[], seen: [] as string[] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    record.seen.push(url);
    if (isLoopback(url)) return route.continue();
    record.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    if (!isLoopback(request.url())) record.blocked.push(request.url());
  });
  context.on('page', (page) => watchSockets(page, record.blocked));
  return record;
}

function watchSockets(page: Page, blocked: string[]): void {
  page.on('websocket', (socket) => {
    if (!isLoopback(socket.url())) blocked.push(socket.url());
  });
  page.on('worker', (worker) => {
    if (!isLoopback(worker.url())) blocked.push(worker.url());
  });
}
