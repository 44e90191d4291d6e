// Apiserver requests of the operator, from its own counter tikv_operator_api_requests_total{verb,resource,code}
// (core/observability/metrics.ts): taken before and after a step, subtracted, and summed the ways the bench
// reports them (by verb, writes by resource). Pure.
import type { ApiRequestCount } from '../core/observability/metrics.ts';
import { parsePrometheusText } from './prometheus.ts';

export const apiRequestsMetric = 'tikv_operator_api_requests_total';

/** Verbs that change something in the apiserver (client-go's names; `apply` is server-side apply). */
const writeVerbs = new Set(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);
const readVerbs = new Set(['get', 'list']);

export function isWriteVerb(verb: string): boolean {
  return writeVerbs.has(verb);
}

export interface ApiSummary {
  total: number;
  /** get + list. */
  reads: number;
  /** create, update, patch, apply, delete. */
  writes: number;
  /** Watch requests started (long-running; each counts once, when its response headers arrive). */
  watches: number;
  byVerb: Record<string, number>;
  writesByResource: Record<string, number>;
  /** Requests answered with a status >= 400 or not answered at all (`<error>`); conflicts (409) included. */
  errors: number;
  /** Those requests by verb, resource and code (a 409 on a status write, a 404 on a delete of something gone). */
  failed: ApiRequestCount[];
}

/** The counts of the operator's metrics text. */
export function apiCountsFromMetrics(text: string): ApiRequestCount[] {
  return parsePrometheusText(text)
    .filter((s) => s.name === apiRequestsMetric)
    .map((s) => ({
      verb: s.labels.verb ?? '',
      resource: s.labels.resource ?? '',
      code: s.labels.code ?? '',
      count: s.value,
    }));
}

const keyOfCount = (c: Pick<ApiRequestCount, 'verb' | 'resource' | 'code'>) =>
  `${c.verb}\u0000${c.resource}\u0000${c.code}`;

/** What happened between two readings of the counter (series missing before count from zero). */
export function diffCounts(before: readonly ApiRequestCount[], after: readonly ApiRequestCount[]): ApiRequestCount[] {
  const old = new Map(before.map((c) => [keyOfCount(c), c.count]));
  return after.map((c) => ({ ...c, count: c.count - (old.get(keyOfCount(c)) ?? 0) })).filter((c) => c.count > 0);
}

export interface SummaryOptions {
  /** Leave these resources out (the Lease renewals of leader election at steady state). */
  excludeResources?: readonly string[];
}

export function summarize(counts: readonly ApiRequestCount[], opts: SummaryOptions = {}): ApiSummary {
  const excluded = new Set(opts.excludeResources ?? []);
  const out: ApiSummary = {
    total: 0,
    reads: 0,
    writes: 0,
    watches: 0,
    byVerb: {},
    writesByResource: {},
    errors: 0,
    failed: [],
  };
  for (const c of counts) {
    if (excluded.has(c.resource)) continue;
    out.total += c.count;
    out.byVerb[c.verb] = (out.byVerb[c.verb] ?? 0) + c.count;
    if (readVerbs.has(c.verb)) out.reads += c.count;
    if (c.verb === 'watch') out.watches += c.count;
    if (isWriteVerb(c.verb)) {
      out.writes += c.count;
      out.writesByResource[c.resource] = (out.writesByResource[c.resource] ?? 0) + c.count;
    }
    const status = Number(c.code);
    if (!Number.isFinite(status) || status >= 400) {
      out.errors += c.count;
      out.failed.push({ ...c });
    }
  }
  return out;
}
