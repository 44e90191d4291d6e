// The safety counters of simulated clusters in the Prometheus text format, so the bench and the operator's
// /metrics can show them next to the operator's own series.

import type { SafetyCounters } from './model/safety.ts';

export interface ClusterSafety {
  namespace: string;
  cluster: string;
  counters: SafetyCounters;
}

const series: Array<{ name: string; type: 'counter' | 'gauge'; help: string; value: (c: SafetyCounters) => number }> = [
  {
    name: 'tikv_simulator_region_unavailable_events_total',
    type: 'counter',
    help: 'Times a simulated region lost the quorum of its live peers.',
    value: (c) => c.regionUnavailableEvents,
  },
  {
    name: 'tikv_simulator_unavailable_regions',
    type: 'gauge',
    help: 'Simulated regions without a live quorum now.',
    value: (c) => c.unavailableRegions,
  },
  {
    name: 'tikv_simulator_data_lost_regions_total',
    type: 'counter',
    help: 'Simulated regions whose every copy lost its data.',
    value: (c) => c.dataLostRegions,
  },
  {
    name: 'tikv_simulator_leader_drop_events_total',
    type: 'counter',
    help: 'Simulated stores stopped while they still led regions.',
    value: (c) => c.leaderDropEvents,
  },
  {
    name: 'tikv_simulator_dropped_leaders_total',
    type: 'counter',
    help: 'Region leaders held by simulated stores when they were stopped.',
    value: (c) => c.droppedLeaders,
  },
  {
    name: 'tikv_simulator_pd_leader_drop_events_total',
    type: 'counter',
    help: 'Simulated PD leaders stopped or deleted without a transfer first.',
    value: (c) => c.pdLeaderDropEvents,
  },
];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function safetyMetricsText(clusters: readonly ClusterSafety[]): string {
  const lines: string[] = [];
  for (const s of series) {
    lines.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
    for (const c of clusters) {
      lines.push(
        `${s.name}{namespace="${escapeLabel(c.namespace)}",cluster="${escapeLabel(c.cluster)}"} ${s.value(c.counters)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
