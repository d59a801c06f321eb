import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCompiled } from '../support/process';

const COMPOSE = 'scripts/compose.js';

/** Runs the compiled `npm run compose` CLI to its end. */
async function compose(args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runCompiled(COMPOSE, args);
  const code = await run.exited;
  return { code, output: run.output() };
}

/** A copy of schemas/ in a temporary directory, with each named file rewritten; an edit that changes nothing fails the test. */
function schemasWith(edits: Record<string, (sdl: string) => string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
  cpSync(join(ROOT, 'schemas'), dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const before = readFileSync(join(dir, file), 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    writeFileSync(join(dir, file), after);
  }
  return dir;
}

function replacing(search: string, replacement: string): (sdl: string) => string {
  return (sdl) => sdl.replace(search, replacement);
}

describe('npm run compose -- --check <previous supergraph>', () => {
  let previous: string;
  beforeAll(async () => {
    previous = join(mkdtempSync(join(tmpdir(), 'previous-')), 'supergraph.graphql');
    const { code, output } = await compose(['--schemas', schemasWith(), '--out', previous]);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining(`Wrote ${previous}`) });
  });

  it.each([
    ['removing a field', { 'products.graphql': replacing('  category: String!\n  price: Money!', '  price: Money!') }, 'Product.category', /Field 'category' was removed/],
    ['making an argument required', { 'products.graphql': replacing('products(first: Int = 20,', 'products(first: Int!,') }, 'Query.products(first:)', /changed from 'Int' to 'Int!'/],
    ['removing an enum value', { 'inventory.graphql': replacing('  ACTIVE\n  RELEASED\n', '  ACTIVE\n') }, 'ReservationStatus.RELEASED', /Enum value 'RELEASED' was removed/],
    ["changing a field's type", { 'products.graphql': replacing('  totalCount: Int!', '  totalCount: Float!') }, 'ProductConnection.totalCount', /changed type from 'Int!' to 'Float!'/],
  ])('fails on %s, naming the coordinate, and writes no supergraph', async (_case, edits, coordinate, message) => {
    const schemas = schemasWith(edits);
    const out = join(schemas, 'out.graphql');
    const { code, output } = await compose(['--schemas', schemas, '--check', previous, '--out', out]);

    expect(code).toBe(1);
    const line = output.split('\n').find((l) => l.startsWith('BREAKING') && l.includes(` ${coordinate}: `));
    expect(line).toMatch(message);
    expect(output).toMatch(/Schema check failed: \d+ breaking change\(s\); the supergraph was not written/);
    expect(existsSync(out)).toBe(false);
  });

  it('passes when an optional field is added, lists it as safe and writes the supergraph', async () => {
    const schemas = schemasWith({ 'products.graphql': replacing('  price: Money!\n}', '  price: Money!\n  subtitle: String\n}') });
    const out = join(schemas, 'out.graphql');
    const { code, output } = await compose(['--schemas', schemas, '--check', previous, '--out', out]);

    expect(code).toBe(0);
    expect(output).toMatch(/^SAFE +Product\.subtitle: Field 'subtitle' was added to object type 'Product'$/m);
    expect(output).toContain(`Schema check against ${previous}: 0 breaking, 0 dangerous, 1 safe change(s)`);
    expect(readFileSync(out, 'utf8')).toContain('subtitle: String');
  });

  it('reports dangerous changes without failing', async () => {
    const schemas = schemasWith({ 'inventory.graphql': replacing('  ACTIVE\n  RELEASED\n', '  ACTIVE\n  RELEASED\n  EXPIRED\n') });
    const { code, output } = await compose(['--schemas', schemas, '--check', previous, '--dry-run']);

    expect(code).toBe(0);
    expect(output).toMatch(/^DANGEROUS +ReservationStatus\.EXPIRED: /m);
  });

  it('writes nothing with --dry-run, even when the check passes', async () => {
    const schemas = schemasWith();
    const out = join(schemas, 'out.graphql');
    const { code, output } = await compose(['--schemas', schemas, '--check', previous, '--out', out, '--dry-run']);

    expect(code).toBe(0);
    expect(output).toContain(`Schema check against ${previous}: no changes to the API schema`);
    expect(output).toContain('Nothing written (--dry-run)');
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['the previous file is missing', () => '/nonexistent/supergraph.graphql', /Cannot read the previous supergraph \/nonexistent\/supergraph\.graphql: no such file/],
    [
      'the previous file is not a supergraph',
      () => {
        const file = join(mkdtempSync(join(tmpdir(), 'not-a-supergraph-')), 'schema.graphql');
        writeFileSync(file, 'type Query { hello: String }');
        return file;
      },
      /The previous supergraph .*schema\.graphql is not a supergraph \(.+\); compare against a file written by `npm run compose`/,
    ],
  ])('fails with a readable message when %s', async (_case, previousFile, message) => {
    const schemas = schemasWith();
    const out = join(schemas, 'out.graphql');
    const { code, output } = await compose(['--schemas', schemas, '--check', previousFile(), '--out', out]);

    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
