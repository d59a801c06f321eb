import { startSubgraph } from '../../../subgraphs';
import type { RunningGateway } from '../../../gateway/src/gateway';
import { REDACTED } from '../../../lib/logger';
import { toApolloLogger } from '../../../lib/apollo-logger';
import { postGraphQL } from '../../support/http';
import { startStack, type Stack } from '../../support/stack';
import { devAuthorization } from '../../support/tokens';
import { capturingLogger, eventually, startTelemetryGateway } from './support';

describe('logs (pino)', () => {
  it('writes one JSON line per event with its level, time and fields, and never throws on cycles or BigInt', () => {
    const { logger, lines } = capturingLogger('info', { service: 'test' });
    const cyclic: Record<string, unknown> = { big: 12n };
    cyclic.self = cyclic;
    logger.debug('not at info');
    logger.info('with a cycle', { cyclic });
    logger.child({ component: 'child' }).warn('from a child', { n: 1 });
    const [first, second] = lines();
    expect(lines()).toHaveLength(2);
    expect(first).toMatchObject({ level: 'info', service: 'test', msg: 'with a cycle', cyclic: { big: 12 } });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(second).toMatchObject({ level: 'warn', service: 'test', component: 'child', msg: 'from a child', n: 1 });
  });

  it('serializes errors with type, message and stack, also through the Apollo logger', () => {
    const { logger, lines } = capturingLogger();
    logger.error('failed', { error: new TypeError('boom') });
    // Apollo's loggers pass several arguments, though its type declares one.
    (toApolloLogger(logger).warn as (...args: unknown[]) => void)('apollo says', new Error('inner'), { detail: 1 });
    expect(lines()[0].error).toMatchObject({ type: 'TypeError', message: 'boom', stack: expect.stringContaining('TypeError: boom') });
    expect(lines()[1]).toMatchObject({ level: 'warn', msg: 'apollo says inner', error: { message: 'inner' }, details: [{ detail: 1 }] });
  });

  it('redacts authorization, cookies, API keys, tokens and passwords wherever they sit', () => {
    const { logger, text, lines } = capturingLogger();
    logger.info('secrets', {
      authorization: 'Bearer top-secret-1',
      token: 'top-secret-2',
      password: 'top-secret-3',
      headers: { authorization: 'Bearer top-secret-4', cookie: 'sid=top-secret-5', 'set-cookie': 'sid=top-secret-6', 'x-api-key': 'top-secret-7' },
      req: { headers: { authorization: 'Bearer top-secret-8' } },
      session: { token: 'top-secret-9' },
      kept: 'visible',
    });
    expect(text()).not.toContain('top-secret');
    expect(lines()[0]).toMatchObject({ authorization: REDACTED, token: REDACTED, password: REDACTED, headers: { cookie: REDACTED, 'x-api-key': REDACTED }, session: { token: REDACTED }, kept: 'visible' });
  });

  describe('on the running stack', () => {
    let stack: Stack;
    let gateway: RunningGateway;
    const gatewayLogs = capturingLogger('debug', { service: 'gateway' });
    const subgraphLogs = capturingLogger('debug', { service: 'inventory' });
    let inventory: Awaited<ReturnType<typeof startSubgraph<'inventory'>>>;

    beforeAll(async () => {
      stack = await startStack({ store: 'memory' });
      inventory = await startSubgraph('inventory', { host: '127.0.0.1', nodeEnv: 'test', logger: subgraphLogs.logger });
      gateway = await startTelemetryGateway(stack.supergraphPath, { logger: gatewayLogs.logger, env: { SUBGRAPH_INVENTORY_URL: inventory.url } });
    });
    afterAll(async () => {
      await gateway?.close();
      await inventory?.close();
      await stack?.close();
    });

    it('logs each request with its request id, never the caller token, and the subgraph logs the same id', async () => {
      const { authorization } = await devAuthorization();
      const answer = await postGraphQL(gateway.url, '{ product(id: "p-0001") { name stock { available } } }', undefined, { authorization, 'x-request-id': 'log-test-1' });
      expect(answer.status).toBe(200);
      const served = await eventually(() => {
        const line = gatewayLogs.lines().find((l) => l.msg === 'request answered' && l.requestId === 'log-test-1');
        expect(line).toMatchObject({ level: 'debug', service: 'gateway', method: 'POST', path: '/graphql', status: 200 });
        return line;
      });
      expect(served).toBeDefined();
      const atSubgraph = await eventually(() => {
        const line = subgraphLogs.lines().find((l) => l.msg === 'request answered' && l.url === '/graphql');
        expect(line).toBeDefined();
        return line!;
      });
      expect(atSubgraph).toMatchObject({ service: 'inventory', requestId: 'log-test-1', status: 200 });
      expect(gatewayLogs.text()).not.toContain(authorization.slice('Bearer '.length));
      expect(subgraphLogs.text()).not.toContain(authorization.slice('Bearer '.length));
    });
  });
});
