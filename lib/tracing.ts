/**
 * Traces on OpenTelemetry, shared by the gateway (gateway/src/observability)
 * and the subgraphs (subgraphs/shared/tracing.ts): a tracer provider of the
 * service's own, W3C trace context in and out, OTLP/HTTP export (or a span
 * exporter given by a test). Off, it is `NO_TRACING` and nothing is created.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** Off by default: then no span is created, no context is extracted or injected. */
  enabled: boolean;
  /** OTLP over HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. */
  otlpEndpoint: string;
  /** Share of traces started here that are recorded (0..1); a client's sampled `traceparent` is followed as it says. */
  sampleRatio: number;
  /** `service.name` of the spans. */
  serviceName: string;
  /** Export here instead of OTLP, span by span (tests: the SDK's InMemorySpanExporter). */
  spanExporter?: SpanExporter;
}

/** What a service (the gateway, a subgraph) asks of tracing; `NO_TRACING` when it is off. */
export interface Tracing {
  readonly enabled: boolean;
  /** A server span continuing the `traceparent` of `headers` (when there is one); the context under it. */
  startServerSpan(name: string, headers: IncomingHttpHeaders | undefined, attributes: Attributes): { span: Span; context: Context };
  /** A span of work inside the gateway (a pipeline stage) under `parent`. */
  startInternalSpan(name: string, parent: Context): Span;
  /** A client span under `parent`, and the headers that carry it (`traceparent`) to the server it calls. */
  startClientSpan(name: string, parent: Context, attributes: Attributes, carrier: Record<string, string>): Span;
  /** Exports what is still buffered, stops. */
  shutdown(): Promise<void>;
}

export const NO_TRACING: Tracing = {
  enabled: false,
  startServerSpan() {
    throw new Error('tracing is off');
  },
  startInternalSpan() {
    throw new Error('tracing is off');
  },
  startClientSpan() {
    throw new Error('tracing is off');
  },
  shutdown: async () => {},
};

/** Tracings of this process that are on (several gateways or subgraphs can share a process in tests). */
let active = 0;

/** How many tracings are on in this process: while none is, callers can skip even looking for a span. */
export function activeTracings(): number {
  return active;
}

/** Tracing on OpenTelemetry's SDK, with its own provider: nothing global is registered, so several services (tests) can share a process. */
export function createTracing(options: TracingOptions): Tracing {
  if (!options.enabled) return NO_TRACING;
  // Loaded only when tracing is on: the SDK and its exporter weigh about 9 MiB a gateway without tracing does without.
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const propagator = new W3CTraceContextPropagator();
  const exporter = options.spanExporter ?? new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [options.spanExporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  const tracer: Tracer = provider.getTracer(options.serviceName);
  active++;
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    startServerSpan(name, headers, attributes) {
      const parent = headers?.traceparent ? propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
      return { span, context: trace.setSpan(parent, span) };
    },
    startInternalSpan(name, parent) {
      return tracer.startSpan(name, { kind: SpanKind.INTERNAL }, parent);
    },
    startClientSpan(name, parent, attributes, carrier) {
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
      propagator.inject(trace.setSpan(parent, span), carrier, defaultTextMapSetter);
      return span;
    },
    shutdown() {
      stopped ??= (async () => {
        active--;
        await provider.shutdown();
      })();
      return stopped;
    },
  };
}

/** Ends a span that failed: error status with the error's message (never its stack: spans leave the process). */
export function endFailed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}
