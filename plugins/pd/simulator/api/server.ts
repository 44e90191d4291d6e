// One HTTP server per simulated cluster on a free loopback port: PD's API and the simulator's control API on
// the same app. The operator reaches it through the address resolver, which maps the cluster's in-cluster PD
// names to this port.

import { Hono } from 'hono';
import { type RunningServer, serve } from '../../../../core/platform/runtime.ts';
import type { PdClusterModel } from '../model/cluster.ts';
import { muxNotFound, pdApi } from './pd-routes.ts';
import { type SimulatedClusterIdentity, simApi } from './sim-routes.ts';

export function simulatorApp(model: PdClusterModel, id: SimulatedClusterIdentity): Hono {
  const app = new Hono();
  app.route('/', pdApi(model));
  app.route('/', simApi(model, id));
  app.notFound(() => muxNotFound());
  return app;
}

/** Listens on 127.0.0.1 (port 0 picks a free one). */
export function serveSimulatedCluster(model: PdClusterModel, id: SimulatedClusterIdentity, port = 0): RunningServer {
  const app = simulatorApp(model, id);
  return serve({ hostname: '127.0.0.1', port, fetch: (req) => app.fetch(req) });
}
