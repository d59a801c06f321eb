/**
 * `npm run bench:executor`: the query-plan executors alone, native against
 * @apollo/gateway's executeQueryPlan, on the same plans and the same
 * subgraph answers, in one process.
 *
 * The subgraphs run for real once per engine to record every answer they
 * give (each engine's own requests: ours deduplicates representations);
 * then each engine runs the scenario's operation in a loop against those
 * recorded answers (parsed from their JSON text each time, as from the
 * wire), answer serialized to JSON included. What is left is the
 * executor's own CPU per operation: plan lookup, fetch bodies,
 * representations, merging, response shaping and serialization — no
 * network, no subgraph, no other process competing for the CPU.
 */
import { ApolloGateway } from '@apollo/gateway';
import { Kind, getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentitySigner, identityPrivateKey } from '../lib/auth/internal-identity';
import { createLogger } from '../lib/logger';
import { toApolloLogger } from '../lib/apollo-logger';
import { ServiceGroup } from '../scripts/start';
import type { Caller } from '../gateway/src/auth/caller';
import { QueryPlanExecutor, type SubgraphSender } from '../gateway/src/execution';
import { buildFederatedSchema } from '../gateway/src/federation/schema';
import { GatewayConfigSchema } from '../gateway/src/config/schema';
import { PooledDataSource, type SubgraphResponse } from '../gateway/src/federation/pooled-data-source';
import { readSupergraph } from '../gateway/src/federation/supergraph';
import { BENCH_CALLER, BENCH_IDENTITY_ENV } from './lib/auth';
import type { GraphQLRequestBody } from './lib/load';
import { OptionsError, optionLines, parseFlags, wantsHelp, type OptionSpec } from './lib/options';
import { startSubgraphs } from './lib/stack';
import { SCENARIOS } from './scenarios';

interface ExecutorOptions {
  durationSec: number;
  rounds: number;
  scenarios: string[];
}

const SPECS: OptionSpec<ExecutorOptions>[] = [
  { key: 'durationSec', flag: '--duration', env: 'BENCH_DURATION', kind: 'int', help: 'seconds per engine per round (default 3)' },
  { key: 'rounds', flag: '--rounds', env: 'BENCH_ROUNDS', kind: 'int', help: 'interleaved rounds (default 3)' },
  { key: 'scenarios', flag: '--scenarios', env: 'BENCH_SCENARIOS', kind: 'list', help: `scenarios to run (default all: ${SCENARIOS.map((s) => s.name).join(', ')})` },
];

const CALLER: Caller = { authenticated: true, subject: BENCH_CALLER.subject, scopes: new Set(BENCH_CALLER.scopes), expiresAt: null };

/** The recorded answers of one engine, by request (query text and variables). */
type Recording = Map<string, string>;
const requestKey = (query: string, variables: unknown) => `${query}\n${JSON.stringify(variables ?? {})}`;

/** An operation prepared for both engines. */
interface Operation {
  body: GraphQLRequestBody;
  run(): Promise<unknown>;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(['Usage: npm run bench:executor -- [options]', '', ...optionLines(SPECS)].join('\n'));
    return 0;
  }
  let options: ExecutorOptions;
  try {
    options = parseFlags(SPECS, argv, process.env, { durationSec: 3, rounds: 3, scenarios: [] });
  } catch (error) {
    if (error instanceof OptionsError) {
      console.error(`bench:executor: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const scenarios = options.scenarios.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => options.scenarios.includes(s.name));

  const group = new ServiceGroup();
  const workDir = mkdtempSync(join(tmpdir(), 'executor-bench-'));
  try {
    const { supergraphPath } = await startSubgraphs(group, workDir);
    const supergraph = readSupergraph(supergraphPath);
    const federated = buildFederatedSchema(supergraph.executableSdl, supergraphPath);
    const signer = new IdentitySigner(identityPrivateKey(BENCH_IDENTITY_ENV.gateway.INTERNAL_AUTH_PRIVATE_KEY));
    const live = new Map(supergraph.subgraphs.map(({ name, url }) => [name, new PooledDataSource({ name, urls: [url], policy: { ...GatewayConfigSchema.parse({ supergraph: { path: '-' } }).subgraphRequests, maxConnectionsPerSubgraph: 8 }, signer })]));
    const recordings = { native: new Map() as Recording, apollo: new Map() as Recording };
    let replaying = false;

    /** Live while recording (each answer kept), then the recorded answer parsed from its text. */
    const sender = (engine: keyof typeof recordings, source: PooledDataSource): SubgraphSender & { process(options: never): Promise<SubgraphResponse> } => {
      const answer = async (query: string, variables: unknown, live: () => Promise<SubgraphResponse>): Promise<SubgraphResponse> => {
        const key = requestKey(query, variables);
        if (replaying) {
          const text = recordings[engine].get(key);
          if (text === undefined) throw new Error(`${engine}: no recorded answer for a request made while replaying: ${key.slice(0, 200)}`);
          return JSON.parse(text) as SubgraphResponse;
        }
        const response = await live();
        recordings[engine].set(key, JSON.stringify(response));
        return response;
      };
      return {
        send(body, caller) {
          const { query, variables } = JSON.parse(body) as { query: string; variables?: unknown };
          return answer(query, variables, () => source.send(body, caller));
        },
        process(processOptions: never) {
          const { request } = processOptions as { request: { query: string; variables?: unknown } };
          return answer(request.query, request.variables, () => source.process(processOptions));
        },
      };
    };

    const native = new QueryPlanExecutor(federated, new Map([...live].map(([name, source]) => [name, sender('native', source)])));
    const apolloGateway = new ApolloGateway({
      supergraphSdl: supergraph.executableSdl,
      logger: toApolloLogger(createLogger('warn')),
      buildService: ({ name }) => sender('apollo', live.get(name)!) as never,
    });
    const { executor: apollo } = await apolloGateway.load({ apollo: { graphVariant: 'current' } });

    const engines = {
      native: (body: GraphQLRequestBody) => {
        const document = parse(body.query);
        const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
        const coerced = getVariableValues(federated.schema, operation.variableDefinitions ?? [], body.variables ?? {});
        if (coerced.errors) throw new Error(coerced.errors[0].message);
        const planned = { caller: CALLER, document, operationName: operation.name?.value, variables: body.variables ?? {}, coercedVariables: coerced.coerced };
        return () => native.execute(planned).then((result) => JSON.stringify(result));
      },
      apollo: (body: GraphQLRequestBody) => {
        const document = parse(body.query);
        const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
        const context = {
          request: { query: body.query, variables: body.variables ?? {}, operationName: operation.name?.value },
          document,
          source: body.query,
          queryHash: body.query,
          operationName: operation.name?.value ?? null,
          operation,
          schema: federated.schema,
          context: { caller: CALLER },
          logger: toApolloLogger(createLogger('warn')),
          metrics: {},
          overallCachePolicy: {},
        };
        return () => apollo({ ...context, metrics: {} } as never).then((result) => JSON.stringify({ data: result.data, errors: result.errors }));
      },
    };

    console.log(`Executors alone (no network, no subgraphs): ${options.rounds} interleaved round(s) of ${options.durationSec} s per engine, one operation at a time\n`);
    console.log('scenario                 native ms/op  apollo ms/op  native x apollo  answer bytes');
    for (const scenario of scenarios) {
      replaying = false;
      const body = (await scenario.request(async (request) => (JSON.parse(String(await engines.native(request as GraphQLRequestBody)())) as { data: Record<string, unknown> }).data)).body;
      const operations: Record<keyof typeof engines, Operation> = {
        native: { body, run: engines.native(body) },
        apollo: { body, run: engines.apollo(body) },
      };
      // Record both engines' subgraph answers (and check they agree), then replay.
      const answers = { native: String(await operations.native.run()), apollo: String(await operations.apollo.run()) };
      if (JSON.stringify(canonical(JSON.parse(answers.native))) !== JSON.stringify(canonical(JSON.parse(answers.apollo)))) {
        throw new Error(`${scenario.name}: the engines answered differently`);
      }
      replaying = true;
      const perOp = { native: [] as number[], apollo: [] as number[] };
      for (let round = 0; round < options.rounds; round++) {
        for (const engine of round % 2 === 0 ? (['native', 'apollo'] as const) : (['apollo', 'native'] as const)) {
          perOp[engine].push(await loop(operations[engine].run, options.durationSec * 1000));
        }
      }
      const best = { native: Math.min(...perOp.native), apollo: Math.min(...perOp.apollo) };
      console.log(
        `${scenario.name.padEnd(24)} ${best.native.toFixed(3).padStart(12)}  ${best.apollo.toFixed(3).padStart(12)}  ${(best.apollo / best.native).toFixed(2).padStart(14)}x  ${Buffer.byteLength(answers.native).toLocaleString('en-US').padStart(12)}`,
      );
    }
    console.log('\nms/op: the fastest round (least disturbed by the machine); x: how many native operations run in the time of one apollo operation.');
    await apolloGateway.stop();
    await Promise.all([...live.values()].map((s) => s.close()));
    return 0;
  } finally {
    await group.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs `operation` back to back for `ms` (after a warm-up), returning the mean milliseconds per operation. */
async function loop(operation: () => Promise<unknown>, ms: number): Promise<number> {
  const warmUntil = performance.now() + Math.min(1000, ms / 3);
  while (performance.now() < warmUntil) await operation();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await operation();
    count++;
    now = performance.now();
  }
  return (now - start) / count;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
  return value;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
