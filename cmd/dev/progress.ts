// What the main job prints while a cluster comes up: one line per group (desired / ready / updated, current step),
// with a progress bar on a terminal and plain lines otherwise. Pure: the caller feeds observed objects and prints
// the result.

export interface GroupView {
  kind: string;
  name: string;
  desired: number;
  ready: number;
  updated: number;
  /** What the group is doing now, from its conditions (the first condition that is not True, with its message). */
  step: string;
}

export interface ClusterView {
  name: string;
  ready: boolean;
  groups: GroupView[];
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface GroupLike {
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; updatedReplicas?: number; conditions?: Condition[] };
}

/** The view of one group object as the apiserver returns it. */
export function groupView(group: GroupLike): GroupView {
  const conditions = group.status?.conditions ?? [];
  const pending = ['Synced', 'Ready']
    .map((t) => conditions.find((c) => c.type === t))
    .find((c) => c?.status !== 'True');
  const step = conditions.length === 0 ? 'waiting for the operator' : pending ? describe(pending) : 'ready';
  return {
    kind: group.kind ?? 'Group',
    name: group.metadata.name,
    desired: group.spec?.replicas ?? 0,
    ready: group.status?.readyReplicas ?? 0,
    updated: group.status?.updatedReplicas ?? 0,
    step,
  };
}

function describe(c: Condition | undefined): string {
  if (!c) return 'starting';
  return c.message ? `${c.reason ?? c.type}: ${c.message}` : (c.reason ?? `${c.type} ${c.status}`);
}

/** A fixed-width bar of ready over desired: `[######----]`. */
export function bar(ready: number, desired: number, width = 20): string {
  const filled = desired <= 0 ? width : Math.min(width, Math.round((ready / desired) * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Lines for a terminal (with bars, redrawn in place by the caller). */
export function renderTerminal(view: ClusterView): string[] {
  const width = Math.max(...view.groups.map((g) => `${g.kind}/${g.name}`.length), 10);
  return [
    `Cluster ${view.name}: ${view.ready ? 'Ready' : 'not ready yet'}`,
    ...view.groups.map(
      (g) =>
        `  ${`${g.kind}/${g.name}`.padEnd(width)} ${bar(g.ready, g.desired)} ready ${g.ready}/${g.desired} updated ${g.updated}/${g.desired}  ${g.step}`,
    ),
  ];
}

/** One plain line per group, for logs and CI: printed only when something changed. */
export function renderPlain(view: ClusterView): string[] {
  return [
    `cluster ${view.name} ready=${view.ready}`,
    ...view.groups.map(
      (g) =>
        `${g.kind.toLowerCase()}/${g.name} desired=${g.desired} ready=${g.ready} updated=${g.updated} step="${g.step}"`,
    ),
  ];
}
