import type { DeferNode, DeferredNode, ResponsePath } from '@apollo/query-planner';
import { Kind, parse, type GraphQLCompositeType, type GraphQLFormattedError, type SelectionNode } from 'graphql';
import type { PlannedOperation } from '.';
import type { ResultObject } from './merge';
import type { PreparedPlan } from './plans';
import type { PlanRun } from './run';

/**
 * @defer, in the executor's own terms; transports turn these into the wire
 * formats (multipart/mixed deferSpec=20220824 or incrementalSpec=v0.2, or
 * successive graphql-ws / SSE `next` messages).
 *
 * A deferred fragment *instance* is one deferred fragment at one concrete
 * place in the result (a fragment deferred inside a list has one instance
 * per item): it is announced (`pending`) when the part that contains it is
 * delivered, and completed once with its data.
 */
export interface DeferredInstance {
  readonly id: string;
  readonly path: ResponsePath;
  readonly label?: string;
}

export interface InitialPart {
  readonly data: ResultObject | null;
  readonly errors?: GraphQLFormattedError[];
  readonly pending: DeferredInstance[];
  readonly hasNext: boolean;
}

export interface CompletedInstance extends DeferredInstance {
  readonly data: ResultObject | null;
  readonly errors?: GraphQLFormattedError[];
}

export interface SubsequentPart {
  /** Instances this part completes, with their data. */
  readonly completed: CompletedInstance[];
  /** Instances announced by this part (fragments deferred inside the ones it completes). */
  readonly pending: DeferredInstance[];
  readonly hasNext: boolean;
}

export interface IncrementalAnswer {
  readonly initial: InitialPart;
  /** The later parts, in the order they are ready; ends after the part with `hasNext: false`. */
  readonly subsequent: AsyncIterable<SubsequentPart>;
  /** The whole answer, as one, once every part is out (actual cost is measured on it). */
  readonly finished: Promise<ResultObject | null>;
}

/** Schema lookups the delivery needs: the type a query path leads to, for a deferred subselection's projection. */
export interface IncrementalContext {
  /** An object is of a type condition (objects without `__typename` are taken to be). */
  matches(object: ResultObject, typeCondition: string): boolean;
  typeAtQueryPath(prepared: PreparedPlan, queryPath: readonly string[]): GraphQLCompositeType;
}

const FRAGMENT_PREFIX = '... on ';

/**
 * Runs a plan that contains Defer nodes and delivers it in parts: the
 * primary part as soon as the fetches it needs are done, then each deferred
 * block as soon as its own fetches are done (blocks run concurrently).
 */
export function executeIncrementally(
  context: IncrementalContext,
  prepared: PreparedPlan,
  operation: PlannedOperation,
  start: (onDefer: (run: PlanRun, node: DeferNode) => Promise<void>) => PlanRun,
): Promise<IncrementalAnswer> {
  const parts = new PartQueue<SubsequentPart>();
  let nextId = 0;
  let outstanding = 0;
  let resolveInitial!: (initial: InitialPart) => void;
  let rejectInitial!: (error: unknown) => void;
  const initial = new Promise<InitialPart>((resolve, reject) => {
    resolveInitial = resolve;
    rejectInitial = reject;
  });
  let initialSent = false;

  /** The concrete instances of each block (places where its fragment applies in the result); blocks with none are dropped. */
  const announce = (run: PlanRun, blocks: readonly DeferredNode[]): Array<{ block: DeferredNode; instances: DeferredInstance[] }> => {
    const announced = [];
    for (const block of blocks) {
      const instances = instancesAt(context, run.data, block.queryPath).map((path) => ({ id: String(nextId++), path, ...(block.label !== undefined && { label: block.label }) }));
      if (instances.length > 0) announced.push({ block, instances });
    }
    outstanding += announced.length;
    return announced;
  };

  const project = (run: PlanRun, block: DeferredNode, selection: string | undefined, instances: DeferredInstance[], errors: GraphQLFormattedError[]): CompletedInstance[] => {
    const type = context.typeAtQueryPath(prepared, block.queryPath);
    const projection = prepared.projection.forSubselection(block, selectionsOf(selection), type, operation.coercedVariables);
    return instances.map((instance, i) => {
      const object = valueAt(run.data, instance.path) as ResultObject;
      const result = projection.apply(object, operation.variables, [...instance.path]);
      const own = i === 0 ? errors : [];
      const all = own.length > 0 ? own : result.completionErrors;
      return { ...instance, data: result.data, ...(all.length > 0 && { errors: all }) };
    });
  };

  /** A Defer node: its primary, then its blocks as each is ready. `parent` is the block it completes (none at the top). */
  const deliver = async (run: PlanRun, node: DeferNode, parent?: { block: DeferredNode; instances: DeferredInstance[]; run: PlanRun }): Promise<void> => {
    if (node.primary.node) await run.run(node.primary.node);
    const announced = announce(run, node.deferred);
    const pending = announced.flatMap((a) => a.instances);
    if (!parent) {
      if (initialSent) throw new Error('a plan with two top-level Defer nodes');
      initialSent = true;
      const selections = selectionsOf(node.primary.subselection);
      const projected = prepared.projection.forSubselection(node, selections, context.typeAtQueryPath(prepared, []), operation.coercedVariables).apply(run.data, operation.variables);
      const errors = run.errors.length > 0 ? run.errors : projected.completionErrors;
      resolveInitial({ data: projected.data, ...(errors.length > 0 && { errors: [...errors] }), pending, hasNext: outstanding > 0 });
    } else {
      outstanding -= 1;
      parts.push({ completed: project(parent.run, parent.block, node.primary.subselection, parent.instances, parent.run.errors), pending, hasNext: outstanding > 0 });
    }
    await Promise.all(
      announced.map(async ({ block, instances }) => {
        // Each block collects its own errors, so they travel with its part.
        const blockRun = run.withOwnErrors();
        if (block.node?.kind === 'Defer') return deliver(blockRun, block.node, { block, instances, run: blockRun });
        if (block.node) await blockRun.run(block.node);
        outstanding -= 1;
        parts.push({ completed: project(blockRun, block, block.subselection, instances, blockRun.errors), pending: [], hasNext: outstanding > 0 });
      }),
    );
  };

  const run = start((planRun, node) => deliver(planRun, node));
  const finished = (async () => {
    try {
      if (prepared.plan.node && prepared.plan.node.kind !== 'Subscription') await run.run(prepared.plan.node);
      if (!initialSent) {
        // The plan deferred nothing after all (e.g. `@defer(if: false)`): one part with everything.
        initialSent = true;
        const projected = prepared.projection.for(operation.coercedVariables).apply(run.data, operation.variables);
        const errors = run.errors.length > 0 ? run.errors : projected.completionErrors;
        resolveInitial({ data: projected.data, ...(errors.length > 0 && { errors }), pending: [], hasNext: false });
      }
      parts.end();
      return prepared.projection.for(operation.coercedVariables).apply(run.data, operation.variables).data;
    } catch (error) {
      rejectInitial(error);
      parts.fail(error);
      throw error;
    }
  })();
  finished.catch(() => {});
  return initial.then((first) => ({ initial: first, subsequent: parts, finished }));
}

/**
 * Runs a plan's Defer nodes inline: the primary, then every block, as one
 * answer. For clients that cannot take parts, and for operations whose
 * answer must be patched as a whole (authorization cuts).
 */
export async function deferInline(run: PlanRun, node: DeferNode): Promise<void> {
  if (node.primary.node) await run.run(node.primary.node);
  await Promise.all(node.deferred.map((block) => (block.node ? run.run(block.node) : undefined)));
}

function selectionsOf(subselection: string | undefined): readonly SelectionNode[] {
  if (!subselection) return [];
  const definition = parse(subselection, { noLocation: true }).definitions[0];
  return definition.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet.selections : [];
}

/** The concrete paths of the non-null objects a query path leads to (list items each, type conditions applied). */
function instancesAt(context: IncrementalContext, root: ResultObject, queryPath: readonly string[]): ResponsePath[] {
  const found: ResponsePath[] = [];
  const walk = (value: unknown, at: number, path: ResponsePath) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, at, [...path, i]));
      return;
    }
    const object = value as ResultObject;
    if (at === queryPath.length) {
      found.push(path);
      return;
    }
    const element = queryPath[at];
    if (element.startsWith(FRAGMENT_PREFIX)) {
      if (context.matches(object, element.slice(FRAGMENT_PREFIX.length))) walk(object, at + 1, path);
      return;
    }
    if (Object.prototype.hasOwnProperty.call(object, element)) walk(object[element], at + 1, [...path, element]);
  };
  walk(root, 0, []);
  return found;
}

function valueAt(root: ResultObject, path: ResponsePath): unknown {
  let value: unknown = root;
  for (const key of path) value = (value as Record<string | number, unknown>)[key];
  return value;
}

/** An async iterable fed by pushes: the parts in the order they are ready. */
class PartQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private done = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.done = true;
    this.wake?.();
  }

  fail(error: unknown): void {
    this.failure = error ?? new Error('incremental delivery failed');
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
