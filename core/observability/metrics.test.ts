import { describe, expect, test } from 'bun:test';
import { register as globalRegistry } from 'prom-client';
import { OperatorMetrics } from './metrics.ts';

/** The sample lines (no HELP/TYPE comments) of the exposition. */
async function samples(metrics: OperatorMetrics): Promise<string[]> {
  return (await metrics.exposition()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('operator metrics registry', () => {
  test('two instances own separate registries and never touch the global one', async () => {
    const a = new OperatorMetrics({ defaultMetrics: false });
    const b = new OperatorMetrics({ defaultMetrics: false });
    a.reconcileObserver('tikv').reconciled('success', 0.01);
    expect(await samples(a)).toContain('tikv_operator_reconcile_total{controller="tikv",result="success"} 1');
    expect((await samples(b)).some((line) => line.startsWith('tikv_operator_reconcile_total{'))).toBe(false);
    expect(await globalRegistry.getSingleMetric('tikv_operator_reconcile_total')).toBeUndefined();
  });

  test('includes default process metrics unless disabled', async () => {
    const withDefaults = await new OperatorMetrics().exposition();
    expect(withDefaults).toContain('process_resident_memory_bytes');
    expect(withDefaults).toContain('nodejs_eventloop_lag_seconds');
    expect(await new OperatorMetrics({ defaultMetrics: false }).exposition()).not.toContain('process_');
  });

  test('exposes the Prometheus text content type', () => {
    expect(new OperatorMetrics({ defaultMetrics: false }).contentType).toStartWith('text/plain; version=0.0.4');
  });

  test('a custom prefix renames the operator metrics but keeps the client-go names', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false, prefix: 'myop_' });
    metrics.reconcileObserver('c').reconciled('requeue', 0.2);
    metrics.queueObserver('c').added();
    const lines = await samples(metrics);
    expect(lines).toContain('myop_reconcile_total{controller="c",result="requeue"} 1');
    expect(lines).toContain('workqueue_adds_total{name="c"} 1');
  });
});

describe('reconcile observer', () => {
  test('counts reconciles by result, errors separately, and records durations', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const tikv = metrics.reconcileObserver('tikv');
    tikv.reconciled('success', 0.003);
    tikv.reconciled('success', 0.2);
    tikv.reconciled('requeue', 0.02);
    tikv.reconciled('error', 1.5);
    const lines = await samples(metrics);
    expect(lines).toContain('tikv_operator_reconcile_total{controller="tikv",result="success"} 2');
    expect(lines).toContain('tikv_operator_reconcile_total{controller="tikv",result="requeue"} 1');
    expect(lines).toContain('tikv_operator_reconcile_total{controller="tikv",result="error"} 1');
    expect(lines).toContain('tikv_operator_reconcile_errors_total{controller="tikv"} 1');
    expect(lines).toContain('tikv_operator_reconcile_duration_seconds_count{controller="tikv"} 4');
    expect(lines).toContain('tikv_operator_reconcile_duration_seconds_bucket{le="0.005",controller="tikv"} 1');
    expect(lines).toContain('tikv_operator_reconcile_duration_seconds_bucket{le="0.25",controller="tikv"} 3');
    expect(lines).toContain('tikv_operator_reconcile_duration_seconds_sum{controller="tikv"} 1.723');
  });

  test('a controller that never reconciled still shows zero errors', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    metrics.reconcileObserver('pd');
    expect(await samples(metrics)).toContain('tikv_operator_reconcile_errors_total{controller="pd"} 0');
  });
});

describe('queue observer', () => {
  test('records adds, depth, wait and work durations, retries and in-flight work under client-go names', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const queue = metrics.queueObserver('tikv-group');
    queue.added();
    queue.added();
    queue.depth(2);
    queue.dequeued(0.5);
    queue.depth(1);
    queue.processed(2);
    queue.retried();
    queue.inFlight(3.5, 2.5);
    const lines = await samples(metrics);
    expect(lines).toContain('workqueue_adds_total{name="tikv-group"} 2');
    expect(lines).toContain('workqueue_depth{name="tikv-group"} 1');
    expect(lines).toContain('workqueue_queue_duration_seconds_count{name="tikv-group"} 1');
    expect(lines).toContain('workqueue_queue_duration_seconds_bucket{le="0.1",name="tikv-group"} 0');
    expect(lines).toContain('workqueue_queue_duration_seconds_bucket{le="1",name="tikv-group"} 1');
    expect(lines).toContain('workqueue_work_duration_seconds_sum{name="tikv-group"} 2');
    expect(lines).toContain('workqueue_retries_total{name="tikv-group"} 1');
    expect(lines).toContain('workqueue_unfinished_work_seconds{name="tikv-group"} 3.5');
    expect(lines).toContain('workqueue_longest_running_processor_seconds{name="tikv-group"} 2.5');
  });

  test('a new queue starts at depth zero', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    metrics.queueObserver('pd');
    expect(await samples(metrics)).toContain('workqueue_depth{name="pd"} 0');
  });
});

describe('leader election observer', () => {
  test('reports 1 while leading and 0 after losing the lease, per lease', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const main = metrics.leaderElectionObserver('tikv-operator');
    metrics.leaderElectionObserver('other');
    expect(await samples(metrics)).toContain('leader_election_master_status{name="tikv-operator"} 0');
    main.leading(true);
    let lines = await samples(metrics);
    expect(lines).toContain('leader_election_master_status{name="tikv-operator"} 1');
    expect(lines).toContain('leader_election_master_status{name="other"} 0');
    main.leading(false);
    lines = await samples(metrics);
    expect(lines).toContain('leader_election_master_status{name="tikv-operator"} 0');
  });
});

describe('API request observer', () => {
  test('counts requests by verb, resource and code and records latency', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const onRequest = metrics.apiRequestObserver();
    onRequest({ verb: 'create', kind: 'Pod', code: 201, durationSeconds: 0.004 });
    onRequest({ verb: 'create', kind: { kind: 'Pod' }, code: 201, durationSeconds: 0.006 });
    onRequest({ verb: 'patch', kind: 'TiKV', code: 409, durationSeconds: 0.002 });
    onRequest({ verb: 'get', kind: 'Pod', code: '<error>', durationSeconds: 30 });
    const lines = await samples(metrics);
    expect(lines).toContain('tikv_operator_api_requests_total{verb="create",resource="Pod",code="201"} 2');
    expect(lines).toContain('tikv_operator_api_requests_total{verb="patch",resource="TiKV",code="409"} 1');
    expect(lines).toContain('tikv_operator_api_requests_total{verb="get",resource="Pod",code="<error>"} 1');
    expect(lines).toContain('tikv_operator_api_request_duration_seconds_count{verb="create",resource="Pod"} 2');
    expect(lines).toContain(
      'tikv_operator_api_request_duration_seconds_bucket{le="0.005",verb="create",resource="Pod"} 1',
    );
  });

  test('hands the request counts to the bench as plain data', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const onRequest = metrics.apiRequestObserver();
    onRequest({ verb: 'apply', kind: 'ConfigMap', code: 200, durationSeconds: 0.01 });
    onRequest({ verb: 'apply', kind: 'ConfigMap', code: 200, durationSeconds: 0.01 });
    onRequest({ verb: 'list', kind: 'Pod', code: 200, durationSeconds: 0.01 });
    const counts = await metrics.apiRequestCounts();
    expect(counts).toHaveLength(2);
    expect(counts).toContainEqual({ verb: 'apply', resource: 'ConfigMap', code: '200', count: 2 });
    expect(counts).toContainEqual({ verb: 'list', resource: 'Pod', code: '200', count: 1 });
  });
});

describe('informer observer', () => {
  test('counts events by type, relists and watch restarts per resource', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const pods = metrics.informerObserver('Pod');
    pods.event('add');
    pods.event('add');
    pods.event('update');
    pods.event('delete');
    pods.relisted();
    pods.watchRestarted();
    pods.watchRestarted();
    const lines = await samples(metrics);
    expect(lines).toContain('tikv_operator_informer_events_total{resource="Pod",type="add"} 2');
    expect(lines).toContain('tikv_operator_informer_events_total{resource="Pod",type="update"} 1');
    expect(lines).toContain('tikv_operator_informer_events_total{resource="Pod",type="delete"} 1');
    expect(lines).toContain('tikv_operator_informer_relists_total{resource="Pod"} 1');
    expect(lines).toContain('tikv_operator_informer_watch_restarts_total{resource="Pod"} 2');
  });
});

describe('group health gauges', () => {
  const group = { namespace: 'ns', group: 'kv', component: 'tikv' };
  const labels = 'namespace="ns",group="kv",component="tikv"';

  test('unhealthy instances per reason and failed-over instances per group', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    metrics.groupHealthObserver().report(group, { DataPlaneDown: 1, NodeNotReady: 2 }, 1);
    const lines = await samples(metrics);
    expect(lines).toContain(`tikv_operator_unhealthy_instances{${labels},reason="DataPlaneDown"} 1`);
    expect(lines).toContain(`tikv_operator_unhealthy_instances{${labels},reason="NodeNotReady"} 2`);
    expect(lines).toContain(`tikv_operator_failed_over_instances{${labels}} 1`);
  });

  test('a reason no longer reported disappears instead of staying at its last value', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const observer = metrics.groupHealthObserver();
    observer.report(group, { DataPlaneDown: 1 }, 0);
    observer.report(group, {}, 0);
    expect((await samples(metrics)).some((l) => l.includes('reason="DataPlaneDown"'))).toBe(false);
    expect(await samples(metrics)).toContain(`tikv_operator_failed_over_instances{${labels}} 0`);
  });

  test('a group that is gone loses its series; other groups keep theirs', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    const observer = metrics.groupHealthObserver();
    observer.report(group, { PodNotReady: 1 }, 1);
    observer.report({ ...group, group: 'other' }, { PodNotReady: 3 }, 0);
    observer.forget(group);
    const lines = await samples(metrics);
    expect(lines.some((l) => l.includes('group="kv"'))).toBe(false);
    expect(lines).toContain(
      'tikv_operator_unhealthy_instances{namespace="ns",group="other",component="tikv",reason="PodNotReady"} 3',
    );
  });
});
