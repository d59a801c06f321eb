/**
 * Development recomposition: `npm start` watches `schemas/` and, when a
 * subgraph's SDL file changes, composes again (compose.ts) into the
 * supergraph file the gateway was started with. The gateway watches that file
 * and hot-reloads it; this side only makes sure the file is always a whole,
 * composed supergraph: it is replaced atomically, and a change that does not
 * compose is reported while the old file stays.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, resolve } from 'node:path';
import { composeSupergraph, readSubgraphSources, writeFileAtomically, type SubgraphSource } from './compose';

/** Editors save in several steps (truncate and write, or write a copy and rename it): one recomposition per burst. */
const DEFAULT_SETTLE_MS = 100;

export interface SchemaWatcherOptions {
  /** The directory of subgraph SDL files (`*.graphql`). */
  schemasDir: string;
  /** The supergraph file to rewrite. */
  out: string;
  /** Routing URLs come from SUBGRAPH_<NAME>_URL, as for `npm run compose`. */
  env?: NodeJS.ProcessEnv;
  /** The schemas composed: `written` when the supergraph changed and was rewritten, false when it came out the same. */
  onComposed(result: { sources: SubgraphSource[]; written: boolean }): void;
  /** A change that does not compose (or cannot be read): `out` was left as it was. */
  onError(error: Error): void;
  /** Quiet time after the last file event before composing. */
  settleMs?: number;
}

export interface SchemaWatcher {
  close(): void;
}

export function watchSchemas({ schemasDir, out, env = process.env, onComposed, onError, settleMs = DEFAULT_SETTLE_MS }: SchemaWatcherOptions): SchemaWatcher {
  const outName = resolve(out) === resolve(schemasDir, basename(out)) ? basename(out) : undefined;
  let timer: NodeJS.Timeout | undefined;

  const recompose = () => {
    timer = undefined;
    let sources: SubgraphSource[];
    let sdl: string;
    try {
      sources = readSubgraphSources(schemasDir, env);
      sdl = composeSupergraph(sources);
    } catch (error) {
      return onError(error as Error);
    }
    // A save that changes nothing composed (whitespace, a touch, a fix undone) leaves the file, and the gateway, alone.
    if (sdl === readIfExists(out)) return onComposed({ sources, written: false });
    try {
      writeFileAtomically(out, sdl);
    } catch (error) {
      return onError(new Error(`Cannot write ${out}: ${(error as Error).message}`));
    }
    onComposed({ sources, written: true });
  };

  const watcher: FSWatcher = watch(schemasDir, (_event, filename) => {
    // Hidden and temporary files (editors' swap files, our own atomic writes) and the output itself are not schemas.
    const name = filename?.toString();
    if (name !== undefined && (!name.endsWith('.graphql') || name.startsWith('.') || name === outName)) return;
    clearTimeout(timer);
    timer = setTimeout(recompose, settleMs);
  });
  watcher.on('error', (error) => onError(new Error(`Cannot watch ${schemasDir}: ${error.message}`)));

  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
