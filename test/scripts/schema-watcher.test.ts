import { cpSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeSupergraph, readSubgraphSources } from '../../scripts/compose';
import { watchSchemas, type SchemaWatcher } from '../../scripts/schema-watcher';
import { ROOT } from '../support/process';

/** What the watcher reported, in order, with a way to wait for the next report. */
function reports() {
  const queue: Array<{ kind: 'composed'; written: boolean } | { kind: 'error'; error: Error }> = [];
  let wake: (() => void) | undefined;
  const push = (report: (typeof queue)[number]) => {
    queue.push(report);
    wake?.();
  };
  return {
    onComposed: ({ written }: { written: boolean }) => push({ kind: 'composed', written }),
    onError: (error: Error) => push({ kind: 'error', error }),
    async next() {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift()!;
    },
  };
}

describe('npm start recomposes when schemas/ changes (watchSchemas)', () => {
  const env = {};
  let schemasDir: string;
  let outDir: string;
  let out: string;
  let watcher: SchemaWatcher | undefined;
  beforeEach(() => {
    schemasDir = mkdtempSync(join(tmpdir(), 'watched-schemas-'));
    cpSync(join(ROOT, 'schemas'), schemasDir, { recursive: true });
    outDir = mkdtempSync(join(tmpdir(), 'watched-supergraph-'));
    out = join(outDir, 'supergraph.graphql');
    writeFileSync(out, composeSupergraph(readSubgraphSources(schemasDir, env)));
  });
  afterEach(() => watcher?.close());

  const editProducts = (edit: (sdl: string) => string) => {
    const file = join(schemasDir, 'products.graphql');
    const before = readFileSync(file, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error('the edit changed nothing');
    writeFileSync(file, after);
  };

  it('rewrites the supergraph when a subgraph schema changes, keeps it when the change does not compose, and recovers', async () => {
    const seen = reports();
    watcher = watchSchemas({ schemasDir, out, env, ...seen });

    editProducts((sdl) => sdl.replace('  price: Money!\n}', '  price: Money!\n  subtitle: String\n}'));
    expect(await seen.next()).toEqual({ kind: 'composed', written: true });
    const withSubtitle = readFileSync(out, 'utf8');
    expect(withSubtitle).toContain('subtitle: String');

    // Two subgraphs now define Product.subtitle differently: not shareable, so composition fails.
    const inventory = join(schemasDir, 'inventory.graphql');
    writeFileSync(inventory, readFileSync(inventory, 'utf8').replace('  stock: StockLevel', '  subtitle: Int\n  stock: StockLevel'));
    const failure = await seen.next();
    expect(failure).toEqual({ kind: 'error', error: expect.objectContaining({ message: expect.stringMatching(/^Composition failed with \d+ error\(s\):[^]*subtitle/) }) });
    expect(readFileSync(out, 'utf8')).toBe(withSubtitle);

    // An editor's atomic save: a copy written beside the file, then renamed over it.
    const fixed = readFileSync(inventory, 'utf8').replace('  subtitle: Int\n', '');
    writeFileSync(join(schemasDir, '.inventory.graphql.swp'), fixed);
    renameSync(join(schemasDir, '.inventory.graphql.swp'), inventory);
    expect(await seen.next()).toEqual({ kind: 'composed', written: false });
    expect(readFileSync(out, 'utf8')).toBe(withSubtitle);
  });

  it('writes the file atomically: no temporary file is left beside it', async () => {
    const seen = reports();
    watcher = watchSchemas({ schemasDir, out, env, ...seen });

    editProducts((sdl) => sdl.replace('  price: Money!\n}', '  price: Money!\n  subtitle: String\n}'));
    expect(await seen.next()).toEqual({ kind: 'composed', written: true });
    expect(readdirSync(outDir)).toEqual(['supergraph.graphql']);
  });
});
