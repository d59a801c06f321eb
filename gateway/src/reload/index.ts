import type { Logger } from '../../../lib/logger';
import type { Caller } from '../auth/caller';
import type { ConnectionInfo, OperationRequest, Pipeline, ResultSink } from '../pipeline';
import { buildGeneration, retire, supergraphHash, type Generation, type GenerationServices } from './generation';

export { buildGeneration, type Generation, type GenerationServices } from './generation';
export { fetchSupergraph, pollSupergraphUrl, watchSupergraphFile } from './sources';

/** What /health says of the supergraph. */
export interface SupergraphStatus {
  hash: string;
  loadedAt: string;
  reloads: number;
  refused: number;
  /** Why the last refused supergraph was refused, if the last attempt was refused. */
  lastError?: string;
}

/**
 * The supergraph being served, and its replacement on reload. The transports
 * talk to this object's `execute`/`start`, which hand each operation to the
 * current generation's pipeline: an operation stays on the generation it
 * started on until it ends. A reload builds the next generation beside the
 * current one and swaps it in atomically (one assignment) once it is whole;
 * a supergraph that cannot be served is refused, logged, and changes nothing.
 */
export class SupergraphRuntime implements Pick<Pipeline, 'execute' | 'start'> {
  private generation: Generation;
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly retiring = new Set<Generation>();
  private readonly status: Omit<SupergraphStatus, 'hash'>;

  constructor(
    initial: Generation,
    private readonly services: GenerationServices,
    private readonly hooks: {
      subscriptions: Parameters<typeof buildGeneration>[3];
      /** After a swap: running subscriptions move to the new generation (or end). */
      swapped?(next: Generation): void;
      /** How long a replaced generation keeps what it alone holds, for the operations still running on it. */
      graceMs: number;
      logger: Logger;
    },
  ) {
    this.generation = initial;
    this.status = { loadedAt: new Date().toISOString(), reloads: 0, refused: 0 };
  }

  get current(): Generation {
    return this.generation;
  }

  health(): SupergraphStatus {
    return { hash: this.generation.hash, ...this.status };
  }

  execute(caller: Caller, request: OperationRequest, connection: ConnectionInfo): ReturnType<Pipeline['execute']> {
    return this.generation.pipeline.execute(caller, request, connection);
  }

  start(caller: Caller, request: OperationRequest, sink: ResultSink, connection: ConnectionInfo): ReturnType<Pipeline['start']> {
    return this.generation.pipeline.start(caller, request, sink, connection);
  }

  /** Loads `sdl` (from `source`) unless it is what is served; reloads run one at a time, in order. Resolves to whether it swapped. */
  reload(sdl: string, source: string): Promise<boolean> {
    const next = this.reloading.then(() => this.load(sdl, source));
    this.reloading = next.catch(() => {});
    return next;
  }

  private async load(sdl: string, source: string): Promise<boolean> {
    const { logger } = this.hooks;
    if (supergraphHash(sdl) === this.generation.hash) return false;
    let next: Generation;
    try {
      next = await buildGeneration(sdl, source, this.services, this.hooks.subscriptions, this.generation);
    } catch (error) {
      this.status.refused++;
      this.status.lastError = (error as Error).message;
      logger.error('supergraph refused; the current one keeps serving', { source, reason: (error as Error).message });
      return false;
    }
    const previous = this.generation;
    this.generation = next;
    this.status.reloads++;
    this.status.loadedAt = new Date().toISOString();
    delete this.status.lastError;
    this.hooks.swapped?.(next);
    logger.info('supergraph reloaded', { source, hash: next.hash, subgraphs: [...next.subgraphUrls.keys()] });
    this.retiring.add(previous);
    setTimeout(() => {
      if (!this.retiring.delete(previous)) return;
      retire(previous, this.generation).catch((error: Error) => logger.warn('retiring a supergraph failed', { error: error.message }));
    }, this.hooks.graceMs).unref();
    return true;
  }

  /** Closes every generation (the current one and those still retiring). */
  async close(): Promise<void> {
    await this.reloading;
    const all = [...this.retiring, this.generation];
    this.retiring.clear();
    // Each client closed once, whichever generations share it.
    const closed = new Set<unknown>();
    for (const generation of all) {
      await generation.stop();
      for (const source of generation.dataSources.values()) {
        if (closed.has(source)) continue;
        closed.add(source);
        await source.close();
      }
    }
  }
}
