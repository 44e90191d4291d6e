// Static checks of the install manifests: they render, they are least-privilege, and the Deployment runs the
// binary the way the rest of the repository expects (flags the CLI accepts, the port and probes it serves).
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseRunOptions, type RunOptions } from '../cmd/operator/options.ts';
import { operatorVersion } from '../cmd/version.ts';
import { deployDir, findManifest, type Manifest, readKustomization, renderManifests } from './manifests.ts';

const objects = renderManifests();
/** The optional extra RBAC of the legacy TikvCluster API (`kubectl apply -k deploy/legacy-api/`). */
const legacyApiDir = join(deployDir, 'legacy-api');
const legacyApiObjects = renderManifests(legacyApiDir);
const NAMESPACE = 'tikv-operator-system';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Container {
  name: string;
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
}

const deployment = findManifest(objects, 'Deployment', 'tikv-operator') as Manifest & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Container;
const rules = (findManifest(objects, 'ClusterRole', 'tikv-operator') as Manifest & { rules: PolicyRule[] }).rules;
const leaseRules = (
  findManifest(objects, 'Role', 'tikv-operator-leader-election') as Manifest & { rules: PolicyRule[] }
).rules;
const legacyApiRules = (
  findManifest(legacyApiObjects, 'ClusterRole', 'tikv-operator-legacy-api') as Manifest & { rules: PolicyRule[] }
).rules;

describe('deploy/', () => {
  test.each([deployDir, legacyApiDir])('the kustomization of %s lists every YAML file of the directory', (dir) => {
    const files = new Bun.Glob('*.yaml').scanSync(dir);
    expect(readKustomization(dir).resources.sort()).toEqual(
      [...files].filter((f) => f !== 'kustomization.yaml').sort(),
    );
  });

  test.skipIf(!Bun.which('kubectl')).each([
    [deployDir, objects],
    [legacyApiDir, legacyApiObjects],
  ])('%s renders as `kubectl kustomize` does', (dir, rendered) => {
    const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const byKubectl = parseAllDocuments(out.stdout).map((d) => d.toJS() as Manifest);
    expect(Object.fromEntries(byKubectl.map((o) => [key(o), o]))).toEqual(
      Object.fromEntries(rendered.map((o) => [key(o), o])),
    );
  });

  test('every namespaced object lives in tikv-operator-system, and that namespace is created', () => {
    findManifest(objects, 'Namespace', NAMESPACE);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const obj of objects) {
      expect(obj.metadata.namespace).toBe(clusterScoped.has(obj.kind) ? undefined : NAMESPACE);
    }
  });

  test('the image is the operator at this version', () => {
    expect(container.image).toBe(`tikv-operator:${operatorVersion}`);
  });

  test('the container arguments are flags `tikv-operator run` accepts, with leader election on', () => {
    expect(container.args[0]).toBe('run');
    const options = parseRunOptions(container.args.slice(1)) as RunOptions;
    expect(options.leaderElect).toBe(true);
    expect(options.namespace).toBeUndefined();
    expect(options.leaderElectionNamespace).toBeUndefined(); // the Pod's namespace, from the service account
    const http = container.ports.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(options.httpPort);
    expect(options.httpHost).toBe('0.0.0.0');
  });

  test('probes: liveness and startup on /healthz, readiness on /readyz, all on the http port', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  test('more than one replica (leader election decides which one works)', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  test('restricted security context: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(Number(pod.securityContext.runAsUser)).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    // The only writable path is an emptyDir.
    for (const mount of container.volumeMounts ?? []) {
      expect(pod.volumes?.find((v) => v.name === mount.name)?.emptyDir).toBeDefined();
    }
  });

  test('requests CPU and memory and limits memory', () => {
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits?.memory).toBeDefined();
  });

  test('runs as the ServiceAccount the bindings grant to', () => {
    expect(pod.serviceAccountName).toBe('tikv-operator');
    findManifest(objects, 'ServiceAccount', 'tikv-operator');
    for (const b of [...objects, ...legacyApiObjects].filter((o) => o.kind.endsWith('Binding'))) {
      expect((b as Manifest & { subjects: unknown[] }).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'tikv-operator', namespace: NAMESPACE },
      ]);
    }
    expect(findManifest(legacyApiObjects, 'ClusterRoleBinding')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'tikv-operator-legacy-api' },
    });
  });

  test('the metrics Service selects the operator Pods', () => {
    const service = findManifest(objects, 'Service', 'tikv-operator-metrics') as Manifest & {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
  });
});

describe('RBAC is least privilege', () => {
  const all = [...rules, ...leaseRules, ...legacyApiRules];

  test('no wildcards, no Secrets, no Node writes, no CRDs, no privilege escalation verbs', () => {
    for (const rule of all) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      // Nodes are read (health, lost nodes), never written.
      if (rule.resources.includes('nodes')) expect([...rule.verbs].sort()).toEqual(['get', 'list', 'watch']);
      expect(rule.resources).not.toContain('customresourcedefinitions');
      for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection'])
        expect(rule.verbs).not.toContain(verb);
    }
  });

  test('rights on legacy TikvClusters only from deploy/legacy-api/, and only what serving their status needs', () => {
    expect([...rules, ...leaseRules].flatMap((r) => r.apiGroups)).not.toContain('tikv.org');
    expect(legacyApiRules).toEqual([
      { apiGroups: ['tikv.org'], resources: ['tikvclusters'], verbs: ['list', 'watch', 'patch'] },
    ]);
  });

  test('the operator never writes spec.replicas of its groups (no scale subresource)', () => {
    expect(all.flatMap((r) => r.resources).filter((r) => r.endsWith('/scale'))).toEqual([]);
  });

  test('Leases only in the operator namespace, and only the election Lease can be read or updated', () => {
    expect(rules.flatMap((r) => r.resources)).not.toContain('leases');
    const update = leaseRules.find((r) => r.verbs.includes('update'));
    expect(update?.resourceNames).toEqual(['tikv-operator']);
    expect(container.args).toContain('--leader-election-id=tikv-operator');
  });

  test('docs/install.md lists every rule with the code path that needs it', () => {
    const doc = readFileSync(join(deployDir, '../docs/install.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([^`]*)`\s*\| `([^`]+)`\s*\| `([^`]+)`\s*\|/gm)].map((m) => ({
      group: m[1],
      resources: (m[2] as string).split(', ').sort(),
      verbs: (m[3] as string).split(', ').sort(),
    }));
    const expected = all.map((r) => ({
      group: r.apiGroups.map((g) => (g === '' ? '""' : g)).join(', '),
      resources: [...r.resources].sort(),
      verbs: [...r.verbs].sort(),
    }));
    expect(rows).toEqual(expected);
  });
});
