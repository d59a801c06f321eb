import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../../gateway/src/config/load';
import { startGateway, type RunningGateway } from '../../../gateway/src/gateway';
import { createLogger, type LogLevel, type Logger } from '../../../lib/logger';

export { eventually } from '../ratelimit/support';

/** A logger whose JSON lines are kept in memory (pino writing to a stream of ours), as they would be printed. */
export function capturingLogger(level: LogLevel = 'debug', base: Record<string, unknown> = {}): { logger: Logger; lines: () => Array<Record<string, any>>; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger(level, base, { destination }),
    lines: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line)),
    text: () => text,
  };
}

export interface TelemetryGatewayOptions {
  env?: Record<string, string>;
  logger?: Logger;
  spanExporter?: InMemorySpanExporter;
}

/** The real gateway in this process, configured as the CLI would be, with a logger and a span exporter of the test's. */
export function startTelemetryGateway(supergraphPath: string, options: TelemetryGatewayOptions = {}): Promise<RunningGateway> {
  const config = loadConfig({
    argv: ['--supergraph', supergraphPath, '--port', '0', '--host', '127.0.0.1'],
    // These specs count every subgraph request and span: the entity cache would answer repeated queries itself.
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test', GATEWAY_ENTITY_CACHE_ENABLED: 'false', ...options.env },
  });
  return startGateway(config, options.logger ?? createLogger('silent'), { spanExporter: options.spanExporter });
}

/** The value of one series in a Prometheus text exposition (undefined when absent), e.g. `name{a="b"}`. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

/** The spans of a trace, by name (the first of each name). */
export function spanNamed(spans: ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span named "${name}" among ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
