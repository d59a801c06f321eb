import { loadConfig } from '../../../gateway/src/config/load';

const load = (env: Record<string, string>) => loadConfig({ argv: ['--supergraph', 'x.graphql'], env: { NODE_ENV: 'test', ...env } });

describe('telemetry configuration', () => {
  it('defaults to metrics on the main port and tracing off', () => {
    expect(load({}).telemetry).toEqual({
      metrics: { maxOperationNames: 100 },
      tracing: { enabled: false, otlpEndpoint: 'http://localhost:4318', sampleRatio: 1, serviceName: 'gateway' },
    });
  });

  it('reads its environment variables, OpenTelemetry’s own names included', () => {
    const config = load({
      GATEWAY_METRICS_PORT: '9464',
      GATEWAY_METRICS_MAX_OPERATION_NAMES: '20',
      GATEWAY_TRACING_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      GATEWAY_TRACING_SAMPLE_RATIO: '0.25',
      OTEL_SERVICE_NAME: 'edge',
    });
    expect(config.telemetry).toEqual({
      metrics: { port: 9464, maxOperationNames: 20 },
      tracing: { enabled: true, otlpEndpoint: 'http://collector:4318', sampleRatio: 0.25, serviceName: 'edge' },
    });
  });

  it.each([
    ['GATEWAY_TRACING_SAMPLE_RATIO', '1.5', /telemetry\.tracing\.sampleRatio \(from environment variable GATEWAY_TRACING_SAMPLE_RATIO\)/],
    ['GATEWAY_TRACING_SAMPLE_RATIO', 'half', /telemetry\.tracing\.sampleRatio \(from GATEWAY_TRACING_SAMPLE_RATIO\): expected a number, got "half"/],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', /telemetry\.tracing\.otlpEndpoint \(from environment variable OTEL_EXPORTER_OTLP_ENDPOINT\)/],
    ['GATEWAY_METRICS_PORT', '70000', /telemetry\.metrics\.port \(from environment variable GATEWAY_METRICS_PORT\)/],
  ])('refuses %s=%s naming the key and where it came from', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(message);
  });
});
