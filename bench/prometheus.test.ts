import { describe, expect, test } from 'bun:test';
import { parsePrometheusText, sampleValue } from './prometheus.ts';

const exposition = `# HELP tikv_operator_api_requests_total Apiserver requests by verb, resource (kind) and HTTP status code.
# TYPE tikv_operator_api_requests_total counter
tikv_operator_api_requests_total{verb="list",resource="Pod",code="200"} 3
tikv_operator_api_requests_total{verb="create",resource="Pod",code="201"} 6

# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 123456789
process_cpu_seconds_total 1.25 1700000000000
weird_label{msg="a \\"quoted\\" value, with comma",other="x"} +Inf
`;

describe('parsePrometheusText', () => {
  test('reads samples with and without labels and ignores comments and timestamps', () => {
    const samples = parsePrometheusText(exposition);
    expect(samples).toHaveLength(5);
    expect(samples[1]).toEqual({
      name: 'tikv_operator_api_requests_total',
      labels: { verb: 'create', resource: 'Pod', code: '201' },
      value: 6,
    });
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBe(123456789);
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBe(1.25);
  });

  test('unescapes quoted label values that contain commas and quotes', () => {
    const samples = parsePrometheusText(exposition);
    expect(sampleValue(samples, 'weird_label', { other: 'x' })).toBe(Number.POSITIVE_INFINITY);
    expect(samples[4]?.labels.msg).toBe('a "quoted" value, with comma');
  });

  test('finds a sample by a subset of its labels, and nothing for a missing one', () => {
    const samples = parsePrometheusText(exposition);
    expect(sampleValue(samples, 'tikv_operator_api_requests_total', { verb: 'list' })).toBe(3);
    expect(sampleValue(samples, 'tikv_operator_api_requests_total', { verb: 'patch' })).toBeUndefined();
  });

  test('skips malformed lines instead of failing the whole scrape', () => {
    expect(parsePrometheusText('broken{a="x 1\ngood 2\n{no_name="x"} 3\nnovalue\n')).toEqual([
      { name: 'good', labels: {}, value: 2 },
    ]);
  });
});
