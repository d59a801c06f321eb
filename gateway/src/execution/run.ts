import type { GraphQLFormattedError } from 'graphql';
import type { ConditionNode, DeferNode, FetchNode, PlanNode, ResponsePath } from '@apollo/query-planner';
import type { Caller } from '../auth/caller';
import { CacheRecord, type SchemaEntityCache } from '../cache';
import type { SubgraphResponse } from '../federation/pooled-data-source';
import type { CompiledFetch } from './fetch';
import { applyRewrites, deepMerge, type ResultObject, type TypeMatcher } from './merge';

/** Sends a serialized request to a subgraph as a caller (the pooled data source); only queries may be retried or shared. */
export interface SubgraphSender {
  send(body: string, caller: Caller, kind?: 'query' | 'mutation' | 'subscription'): Promise<SubgraphResponse>;
}

/** What a plan run needs from the executor: compiled fetches, subgraphs, the supergraph's types. */
export interface RunEnvironment {
  readonly subgraphs: ReadonlyMap<string, SubgraphSender>;
  readonly types: TypeMatcher;
  compiled(node: FetchNode): CompiledFetch;
  /** The entity cache in front of the fetches (a supergraph with `@cacheControl` hints, cache enabled). */
  readonly cache?: SchemaEntityCache;
}

/** Where a node runs in the merged result: the path from the root (`@` for list items) and the objects there. */
interface Cursor {
  readonly path: ResponsePath;
  readonly data: ResultObject | ResultObject[];
}

/** Called for each Defer node; the incremental delivery decides what to send and when. */
export type DeferHandler = (run: PlanRun, node: DeferNode) => Promise<void>;

const SUBGRAPH_ERROR_CODE = 'DOWNSTREAM_SERVICE_ERROR';

/**
 * One execution of a query plan for one request: the merged result every
 * fetch writes into, the errors, and the request's caller and variables.
 */
export class PlanRun {
  readonly errors: GraphQLFormattedError[] = [];

  constructor(
    private readonly env: RunEnvironment,
    readonly caller: Caller,
    /** As the client sent them: subgraphs get the client's values (and apply their own defaults). */
    readonly variables: Readonly<Record<string, unknown>>,
    /** Coerced, defaults applied: Condition nodes read them. */
    readonly coercedVariables: Readonly<Record<string, unknown>>,
    private readonly onDefer?: DeferHandler,
    /** The merged result; shared by the runs of one operation's deferred parts. */
    readonly data: ResultObject = Object.create(null),
    /** What the entity cache served and the policy of the answer; shared like `data`. */
    readonly cacheRecord: CacheRecord | undefined = env.cache && new CacheRecord(),
  ) {}

  /** Report the entity cache's hits and policy in `extensions.cache`. */
  get cacheDebug(): boolean {
    return this.env.cache?.debug ?? false;
  }

  /** A run on the same result that collects its own errors (one deferred part's). */
  withOwnErrors(): PlanRun {
    return new PlanRun(this.env, this.caller, this.variables, this.coercedVariables, this.onDefer, this.data, this.cacheRecord);
  }

  /** Runs `node` from the root of the result. */
  run(node: PlanNode): Promise<void> {
    return this.execute(node, { path: [], data: this.data });
  }

  private async execute(node: PlanNode, cursor: Cursor | undefined): Promise<void> {
    if (!cursor) return;
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.execute(child, cursor);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.execute(child, cursor)));
        return;
      case 'Flatten':
        return this.execute(node.node, moveInto(cursor, node.path));
      case 'Fetch':
        try {
          await this.fetch(this.env.compiled(node), cursor);
        } catch (error) {
          this.errors.push(fetchFailure(error, node.serviceName));
        }
        return;
      case 'Condition': {
        const branch = this.condition(node) ? node.ifClause : node.elseClause;
        if (branch) await this.execute(branch, cursor);
        return;
      }
      case 'Defer':
        if (!this.onDefer) throw new Error('a Defer node in a plan run without incremental delivery');
        return this.onDefer(this, node);
    }
  }

  private condition(node: ConditionNode): boolean {
    return this.coercedVariables[node.condition] === true;
  }

  private async fetch(fetch: CompiledFetch, cursor: Cursor): Promise<void> {
    const entities = Array.isArray(cursor.data) ? cursor.data.filter((e) => e !== null && e !== undefined) : [cursor.data];
    if (entities.length === 0) return;
    const node = fetch.node;
    const sender = this.env.subgraphs.get(node.serviceName);
    if (!sender) throw new Error(`Couldn't find service with name "${node.serviceName}"`);
    const variablesJson = this.variablesJson(fetch);

    if (!fetch.representationOf) {
      const send = () => sender.send(fetch.bodyPrefix + variablesJson + '}', this.caller, fetch.node.operationKind);
      const response = fetch.cache && this.cacheRecord ? await this.env.cache!.root(fetch.cache, variablesJson, this.caller, this.cacheRecord, send) : await send();
      if (response.errors) this.subgraphErrors(response.errors, node, (path) => (path ? [...cursor.path, ...path] : undefined));
      const data = response.data;
      if (!data) return;
      applyRewrites(this.env.types, node.outputRewrites, data);
      for (const entity of entities) deepMerge(entity, data);
      return;
    }

    if (!node.contextRewrites || node.contextRewrites.length === 0) {
      return this.fetchEntities(fetch, sender, cursor, entities, entities.map((_, i) => i), variablesJson);
    }
    // @fromContext: each entity's contextual arguments come from its ancestors; entities that share values share a fetch.
    const concrete = concretePaths(this.data, cursor.path);
    const groups = new Map<string, { values: Record<string, unknown>; members: number[] }>();
    for (let i = 0; i < entities.length; i++) {
      const values: Record<string, unknown> = {};
      for (const rewrite of node.contextRewrites) {
        if (rewrite.renameKeyTo in values) continue;
        const value = contextValue(this.env.types, this.data, concrete[i] ?? [], rewrite.path);
        if (value !== undefined) values[rewrite.renameKeyTo] = value;
      }
      const key = JSON.stringify(values);
      const group = groups.get(key);
      if (group) group.members.push(i);
      else groups.set(key, { values, members: [i] });
    }
    await Promise.all(
      [...groups.values()].map(({ values, members }) => {
        const own = JSON.parse(variablesJson) as Record<string, unknown>;
        return this.fetchEntities(fetch, sender, cursor, members.map((i) => entities[i]), members, JSON.stringify({ ...own, ...values }), concrete);
      }),
    );
  }

  /**
   * An `_entities` fetch: one representation per entity, identical ones sent
   * once, each answer merged into every entity it stands for. `indices` are
   * the entities' places among the cursor's objects (for error paths).
   */
  private async fetchEntities(
    fetch: CompiledFetch,
    sender: SubgraphSender,
    cursor: Cursor,
    entities: ResultObject[],
    indices: readonly number[],
    variablesJson: string,
    concrete?: ResponsePath[],
  ): Promise<void> {
    const node = fetch.node;
    const unique: string[] = [];
    const representations: ResultObject[] = [];
    const targets: number[][] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < entities.length; i++) {
      const representation = fetch.representationOf!(entities[i]);
      if (!representation || !representation.__typename) continue;
      applyRewrites(this.env.types, node.inputRewrites, representation);
      const json = JSON.stringify(representation);
      const index = seen.get(json);
      if (index === undefined) {
        seen.set(json, unique.length);
        unique.push(json);
        representations.push(representation);
        targets.push([i]);
      } else {
        targets[index].push(i);
      }
    }
    if (unique.length === 0) return;
    if (fetch.variableUsages.includes('representations')) throw new Error('Variables cannot contain key "representations"');
    // The entity cache answers what it holds; only the others are sent (`sent`: indices into `unique`).
    const lookup = fetch.cache && this.cacheRecord ? await this.env.cache!.lookupEntities(fetch.cache, unique, representations, variablesJson, this.caller, this.cacheRecord) : undefined;
    const answers: Array<ResultObject | null> = unique.map((_, i) => (lookup?.hits.get(i) as ResultObject | undefined) ?? null);
    const sent = lookup ? lookup.misses : unique.map((_, i) => i);
    if (sent.length > 0) {
      const sentJson = sent.length === unique.length ? unique : sent.map((i) => unique[i]);
      const body = `${fetch.bodyPrefix}{"representations":[${sentJson.join(',')}]${variablesJson === '{}' ? '}' : `,${variablesJson.slice(1)}`}}`;
      const response = await sender.send(body, this.caller, node.operationKind);
      if (response.errors) {
        this.subgraphErrors(response.errors, node, (path) => {
          if (!path) return undefined;
          const index = path[1];
          if (path[0] !== '_entities' || typeof index !== 'number' || !targets[sent[index]]) return [...cursor.path, ...path];
          concrete ??= concretePaths(this.data, cursor.path);
          return targets[sent[index]].map((entity) => [...(concrete![indices[entity]] ?? []), ...path.slice(2)]);
        });
      }
      const data = response.data;
      if (!data) return this.mergeEntities(node, entities, targets, answers);
      const received = data._entities;
      if (!Array.isArray(received)) throw new Error('Expected "data._entities" in response to be an array');
      if (received.length !== sent.length) throw new Error(`Expected "data._entities" to contain ${sent.length} elements`);
      if (lookup) await this.env.cache!.storeEntities(lookup, received, response.errors);
      for (let k = 0; k < sent.length; k++) answers[sent[k]] = received[k] as ResultObject | null;
    }
    this.mergeEntities(node, entities, targets, answers);
  }

  /** Each answer (one per distinct representation) merged into every entity it stands for. */
  private mergeEntities(node: FetchNode, entities: ResultObject[], targets: number[][], answers: ReadonlyArray<ResultObject | null>): void {
    for (let i = 0; i < answers.length; i++) {
      const answer = answers[i];
      if (!answer) continue;
      const into = targets[i];
      if (!answer.__typename) answer.__typename = entities[into[0]].__typename;
      applyRewrites(this.env.types, node.outputRewrites, answer);
      for (const entity of into) deepMerge(entities[entity], answer);
    }
  }

  /** The JSON of the variables this fetch uses, as the client sent them. */
  private variablesJson(fetch: CompiledFetch): string {
    if (fetch.variableUsages.length === 0) return '{}';
    const used: Record<string, unknown> = {};
    let any = false;
    for (const name of fetch.variableUsages) {
      if (name === 'representations') continue;
      const value = Object.prototype.hasOwnProperty.call(this.variables, name) ? this.variables[name] : undefined;
      if (value !== undefined) {
        used[name] = value;
        any = true;
      }
    }
    return any ? JSON.stringify(used) : '{}';
  }

  /**
   * A subgraph's errors as the client's: at the client's path (an entity's
   * error at every place that entity appears), with the subgraph's name, and
   * a code (DOWNSTREAM_SERVICE_ERROR when the subgraph gave none).
   */
  private subgraphErrors(errors: ReadonlyArray<GraphQLFormattedError>, node: FetchNode, repath: (path: ReadonlyArray<string | number> | undefined) => ResponsePath | ResponsePath[] | undefined): void {
    for (const error of errors) {
      const paths = repath(error.path);
      const extensions = { ...error.extensions, serviceName: node.serviceName, code: error.extensions?.code ?? SUBGRAPH_ERROR_CODE };
      const message = error.message || `Error while fetching subquery from service "${node.serviceName}"`;
      if (paths && paths.length > 0 && Array.isArray(paths[0])) {
        for (const path of paths as ResponsePath[]) this.errors.push({ message, path, extensions });
      } else {
        this.errors.push(paths ? { message, path: paths as ResponsePath, extensions } : { message, extensions });
      }
    }
  }
}

/** A failed fetch as the client sees it: the data source's coded error, or a generic one (our bug) without details. */
function fetchFailure(error: unknown, serviceName: string): GraphQLFormattedError {
  const value = error as { message?: string; extensions?: Record<string, unknown> };
  if (value?.extensions?.code) return { message: String(value.message), extensions: { ...value.extensions } };
  return { message: value?.message ?? `Error while fetching subquery from service "${serviceName}"`, extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName } };
}

/**
 * A contextual argument's value (@fromContext), read from an entity's
 * ancestors: each `..` goes up to the object holding the field that led
 * down (list indices skipped), `... on T` keeps only objects of T, and the
 * rest are field names — the rule Apollo Router applies.
 */
function contextValue(types: TypeMatcher, root: ResultObject, entityPath: ResponsePath, rewritePath: readonly string[]): unknown {
  let end = entityPath.length;
  let at = 0;
  while (at < rewritePath.length && rewritePath[at] === '..') {
    do end--;
    while (end >= 0 && typeof entityPath[end] !== 'string');
    if (end < 0) return undefined;
    at++;
  }
  let value: unknown = root;
  for (let i = 0; i < end; i++) value = value === null || value === undefined ? undefined : (value as Record<string | number, unknown>)[entityPath[i]];
  for (; at < rewritePath.length; at++) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const element = rewritePath[at];
    if (element.startsWith('... on ')) {
      if (!types.matches(value as ResultObject, element.slice(7), true)) return undefined;
      continue;
    }
    value = Object.prototype.hasOwnProperty.call(value, element) ? (value as ResultObject)[element] : undefined;
  }
  return value;
}

/** The objects at `path` below the cursor, lists flattened (`@`); undefined when there are none. */
function moveInto(cursor: Cursor, path: ResponsePath): Cursor | undefined {
  const data = flattenAt(cursor.data, path, 0);
  return data === undefined || data === null ? undefined : { path: [...cursor.path, ...path], data: data as ResultObject | ResultObject[] };
}

function flattenAt(value: unknown, path: ResponsePath, at: number): unknown {
  if (at === path.length || value === undefined || value === null) return value;
  const element = path[at];
  if (element === '@') {
    if (!Array.isArray(value)) return undefined;
    const out: unknown[] = [];
    for (const item of value) {
      const inner = flattenAt(item, path, at + 1);
      if (Array.isArray(inner)) for (const x of inner) out.push(x);
      else out.push(inner);
    }
    return out;
  }
  if (Array.isArray(value)) return undefined;
  const object = value as ResultObject;
  return flattenAt(Object.prototype.hasOwnProperty.call(object, element) ? object[element as string] : undefined, path, at + 1);
}

/**
 * The concrete paths (list indices for `@`) of the non-null objects at
 * `path`, in the order a cursor lists them: computed only when a subgraph
 * reports an error on an entity.
 */
export function concretePaths(root: unknown, path: ResponsePath): ResponsePath[] {
  const result: ResponsePath[] = [];
  const current: ResponsePath = [];
  const walk = (value: unknown, at: number) => {
    if (value === null || value === undefined) return;
    if (at === path.length) {
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item === null || item === undefined) return;
          current.push(i);
          result.push([...current]);
          current.pop();
        });
      } else {
        result.push([...current]);
      }
      return;
    }
    const element = path[at];
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        current.push(i);
        walk(item, element === '@' ? at + 1 : at);
        current.pop();
      });
      return;
    }
    if (element === '@') return;
    const object = value as ResultObject;
    if (!Object.prototype.hasOwnProperty.call(object, element)) return;
    current.push(element);
    walk(object[element as string], at + 1);
    current.pop();
  };
  walk(root, 0);
  return result;
}
