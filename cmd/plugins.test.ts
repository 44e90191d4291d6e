// The composition root's choice of controllers: the legacy TikvCluster API only behind its feature gate.
import { describe, expect, test } from 'bun:test';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../core/observability/log.ts';
import type { Controller } from '../core/runtime/controller.ts';
import { buildContainer } from './operator/container.ts';
import { parseRunOptions, type RunOptions } from './operator/options.ts';
import { controllerSetups, legacyApiSetup } from './plugins.ts';

// Nothing here talks to an apiserver: setups only build controllers and informers.
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
  users: [{ name: 'u' }],
  contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
  currentContext: 'c',
});

function container(args: string[], lines: string[] = []) {
  const options = parseRunOptions(args) as RunOptions;
  return buildContainer(options, { kubeConfig, logger: createLogger({ sink: (line) => lines.push(line) }) });
}

describe('the legacy TikvCluster API', () => {
  test.each([
    [[], undefined],
    [['--feature-gates=LegacyTikvClusterAPI=false'], undefined],
    [['--feature-gates=LegacyTikvClusterAPI=true'], 'tikvcluster'],
  ])('%p: controller %p', (args, expected) => {
    let built: Controller | undefined;
    legacyApiSetup({}, (controller) => (built = controller))(container(args));
    expect(built?.name).toBe(expected);
  });

  test('is part of the binary: its setups say so when the gate is on', () => {
    const lines: string[] = [];
    const c = container(['--feature-gates=LegacyTikvClusterAPI=true'], lines);
    for (const setup of controllerSetups) setup(c);
    expect(lines.some((l) => l.includes('feature gate LegacyTikvClusterAPI is on'))).toBe(true);

    const off: string[] = [];
    const d = container([], off);
    for (const setup of controllerSetups) setup(d);
    expect(off.some((l) => l.includes('LegacyTikvClusterAPI'))).toBe(false);
  });
});
