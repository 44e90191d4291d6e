// What /readyz answers, as a pure function of the manager's state.
//
// A standby replica (leader election on, another process holds the lease) reports READY once its caches are
// synced, as controller-runtime operators do. Readiness gates Service endpoints and Deployment rollouts, not
// leadership: if standbys were unready, a rolling update of a Deployment with maxUnavailable 0 could never
// finish (the new Pod cannot become leader while the old one holds the lease), and "ready" on a synced
// standby truthfully says it can take over at once. Which replica leads is visible in the
// leader_election_master_status metric instead.

export interface Readiness {
  ready: boolean;
  /** Short plain-text explanation, returned as the /readyz body. */
  reason: string;
}

export type LeaderRole = 'election-disabled' | 'leading' | 'standby';

export interface ReadinessState {
  /** Set once shutdown began: Kubernetes stops routing to the Pod while it drains. */
  shuttingDown: boolean;
  /** Every informer the manager started has completed its first list. */
  cachesSynced: boolean;
  role: LeaderRole;
  /** The controllers' workers are running (only a leader, or a manager without election, runs them). */
  controllersRunning: boolean;
}

export function decideReadiness(state: ReadinessState): Readiness {
  if (state.shuttingDown) return { ready: false, reason: 'shutting down' };
  if (!state.cachesSynced) return { ready: false, reason: 'caches not synced yet' };
  if (state.role === 'standby') return { ready: true, reason: 'ok (standby: caches synced, not leading)' };
  if (!state.controllersRunning) {
    return {
      ready: false,
      reason: state.role === 'leading' ? 'leading, controllers not started yet' : 'controllers not started yet',
    };
  }
  return { ready: true, reason: state.role === 'leading' ? 'ok (leading)' : 'ok' };
}
