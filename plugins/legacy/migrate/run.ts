// The migration's loop: observe, plan, act, again, until the plan says done or refuses. Every change it waits for
// (a member joining, a store draining, a Pod going) is seen by looking again after `pollMs`; progress is printed
// once per distinct step, so a long wait is one line, not one per poll.
import type { CancelTimer } from '../../../core/runtime/clock.ts';
import { carryOut } from './act.ts';
import { type MigrationDeps, observeMigration } from './observe.ts';
import {
  describeAction,
  describePlan,
  type MigrationAction,
  migrationPhases,
  type PhaseReport,
  type PlannedStep,
  planNext,
  preconditionProblems,
} from './plan.ts';
import type { MigrationOptions, MigrationTarget, ObservedState } from './state.ts';

export interface MigrationRunOptions extends MigrationOptions {
  /** How soon to look again while waiting. Default 1 s. */
  pollMs?: number;
  /** Give up (resumable) after this long; unbounded by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** One line per step. */
  progress(line: string): void | Promise<void>;
  /** Called with every planned step before it is carried out (tests record the order of actions). */
  onStep?(step: PlannedStep, state: ObservedState): void;
}

export type MigrationResult =
  | { outcome: 'done' }
  | { outcome: 'refused'; phase: string; reason: string }
  | { outcome: 'stopped'; reason: string };

export async function runMigration(
  deps: MigrationDeps,
  target: MigrationTarget,
  opts: MigrationRunOptions,
): Promise<MigrationResult> {
  const evictionStartedAt = new Map<string, number>();
  const started = deps.clock.now();
  const pollMs = opts.pollMs ?? 1_000;
  let lastLine = '';
  const say = async (line: string) => {
    if (line === lastLine) return;
    lastLine = line;
    await opts.progress(line);
  };
  for (;;) {
    if (opts.signal?.aborted) return { outcome: 'stopped', reason: 'interrupted: run the command again to continue' };
    if (opts.timeoutMs !== undefined && deps.clock.now() - started > opts.timeoutMs) {
      return { outcome: 'stopped', reason: `${lastLine} (timed out: run the command again to continue)` };
    }
    const state = await observeMigration(deps, target, evictionStartedAt);
    const step = planNext(state, opts);
    opts.onStep?.(step, state);
    const { phase, action } = step;
    if (action.kind === 'done') {
      await say(`[${phase}] done: the legacy cluster is migrated to Cluster ${target.cluster}`);
      return { outcome: 'done' };
    }
    if (action.kind === 'refuse') return { outcome: 'refused', phase, reason: action.reason };
    await say(`[${phase}] ${describeAction(action)}`);
    let delayMs = 0;
    if (action.kind === 'wait') {
      delayMs = pollMs;
    } else {
      const outcome = await carryOut(deps, state, action, evictionStartedAt);
      if (outcome.retryAfterMs !== undefined) {
        await say(`[${phase}] ${outcome.message}`);
        delayMs = outcome.retryAfterMs;
      } else if (isPdWrite(action)) {
        // PD acts on a write within moments (a leader transfer, a scheduler): give it one poll before looking.
        delayMs = Math.min(pollMs, 200);
      }
    }
    if (delayMs > 0) await sleep(deps, delayMs, opts.signal);
  }
}

function isPdWrite(action: MigrationAction): boolean {
  return ['transferPdLeader', 'evictLeaders', 'deleteStore', 'removeEvictLeaderScheduler', 'deletePdMember'].includes(
    action.kind,
  );
}

function sleep(deps: MigrationDeps, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    let cancel: CancelTimer | undefined;
    const done = () => {
      signal?.removeEventListener('abort', done);
      cancel?.();
      resolve();
    };
    cancel = deps.clock.after(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface DryRunReport {
  plan: PhaseReport[];
  next: PlannedStep;
  /** Failed preconditions (empty once the migration started: they are only checked before it). */
  problems: string[];
}

/** What a run would do now, without doing anything. */
export async function planMigration(
  deps: MigrationDeps,
  target: MigrationTarget,
  options: MigrationOptions,
): Promise<DryRunReport> {
  const state = await observeMigration(deps, target, new Map());
  const next = planNext(state, options);
  const problems = state.cluster === undefined ? preconditionProblems(state, options) : [];
  return { plan: describePlan(state, options), next, problems };
}

/** The dry run as text. */
export function renderDryRun(target: MigrationTarget, report: DryRunReport): string {
  const lines = [
    `Migration of TikvCluster ${target.namespace}/${target.legacyName} to Cluster ${target.cluster} (join-and-drain):`,
    ...report.plan.map(
      (p) => `  [${p.status === 'done' ? 'x' : p.status === 'next' ? '>' : ' '}] ${p.phase}: ${p.detail}`,
    ),
  ];
  const { action, phase } = report.next;
  if (report.problems.length > 0) {
    lines.push('Preconditions that fail now:', ...report.problems.map((p) => `  - ${p}`));
  }
  lines.push(
    action.kind === 'refuse'
      ? `A run would refuse [${phase}]${report.problems.length > 0 && phase === migrationPhases.preconditions ? ': the preconditions above fail' : `: ${action.reason}`}`
      : action.kind === 'done'
        ? 'Nothing left to do.'
        : `A run would start with [${phase}] ${describeAction(action)}`,
  );
  return `${lines.join('\n')}\n`;
}
