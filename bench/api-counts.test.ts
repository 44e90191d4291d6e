import { describe, expect, test } from 'bun:test';
import { apiCountsFromMetrics, diffCounts, summarize } from './api-counts.ts';

const before = `tikv_operator_api_requests_total{verb="list",resource="Pod",code="200"} 2
tikv_operator_api_requests_total{verb="watch",resource="Pod",code="200"} 2
tikv_operator_api_requests_total{verb="patch",resource="Lease",code="200"} 10
`;
const after = `tikv_operator_api_requests_total{verb="list",resource="Pod",code="200"} 2
tikv_operator_api_requests_total{verb="watch",resource="Pod",code="200"} 3
tikv_operator_api_requests_total{verb="create",resource="Pod",code="201"} 6
tikv_operator_api_requests_total{verb="create",resource="Pod",code="409"} 1
tikv_operator_api_requests_total{verb="apply",resource="TiKV",code="200"} 3
tikv_operator_api_requests_total{verb="get",resource="Lease",code="<error>"} 1
tikv_operator_api_requests_total{verb="patch",resource="Lease",code="200"} 14
tikv_operator_workqueue_adds_total{name="x"} 5
`;

describe('API request counts', () => {
  test('the difference of two readings keeps only what happened in between', () => {
    const diff = diffCounts(apiCountsFromMetrics(before), apiCountsFromMetrics(after));
    expect(diff).toEqual([
      { verb: 'watch', resource: 'Pod', code: '200', count: 1 },
      { verb: 'create', resource: 'Pod', code: '201', count: 6 },
      { verb: 'create', resource: 'Pod', code: '409', count: 1 },
      { verb: 'apply', resource: 'TiKV', code: '200', count: 3 },
      { verb: 'get', resource: 'Lease', code: '<error>', count: 1 },
      { verb: 'patch', resource: 'Lease', code: '200', count: 4 },
    ]);
  });

  test('a summary splits reads, writes and watches and counts failed requests as errors', () => {
    const s = summarize(diffCounts(apiCountsFromMetrics(before), apiCountsFromMetrics(after)));
    expect(s).toEqual({
      total: 16,
      reads: 1,
      writes: 14,
      watches: 1,
      byVerb: { watch: 1, create: 7, apply: 3, get: 1, patch: 4 },
      writesByResource: { Pod: 7, TiKV: 3, Lease: 4 },
      errors: 2,
      failed: [
        { verb: 'create', resource: 'Pod', code: '409', count: 1 },
        { verb: 'get', resource: 'Lease', code: '<error>', count: 1 },
      ],
    });
  });

  test('excluded resources (leader election Leases) are left out of every number', () => {
    const s = summarize(apiCountsFromMetrics(after), { excludeResources: ['Lease'] });
    expect(s.writesByResource).toEqual({ Pod: 7, TiKV: 3 });
    expect(s.writes).toBe(10);
    expect(s.errors).toBe(1);
  });
});
