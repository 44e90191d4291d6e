// The sample component: the smallest plugin, used by core's integration tests to prove that the generic
// reconcilers know nothing of PD or TiKV. It has everything a real component has, in miniature.
//
//   const dataPlane = new SampleDataPlane();
//   const sample = new SamplePlugin({ dataPlane, scaleInMode: 'offline' });
//   await installCrds(cp.api, sampleCrds());              // SampleGroup + Sample CRDs (core/api buildCrd)
//   registry.register(sample);                            // core/plugin PluginRegistry
//
// Kinds (api.ts): `SampleGroup` / `Sample` in core.tikv.org/v1alpha1 (plurals samplegroups, samples), the
// common template (version, image, resources, config, volumes, overlay), instance `spec.offline`, instance
// status `memberId` / `memberState`. Manifest builders: `sampleCluster`, `sampleGroup`, `sampleInstance`,
// `sampleTemplateSpec`.
//
// Data plane (data-plane.ts, `SampleDataPlane`, also the plugin's DataPlaneSource): one member per instance,
// keyed by namespace and instance name, `{ id, state: Up | Removing | Removed, drained }`. Every change is
// pushed to `watch(cluster, onChange)` subscribers (asynchronously, like a real watch).
//
// Plugin (plugin.ts, `SamplePlugin`):
// - config: the user's TOML plus `name = "<instance>"`; setting `name` or writing invalid TOML is rejected
//   (-> ConfigInvalid). Pod: container `sample`, image `example.org/sample:v<version>`, port `client` 7000,
//   config mounted at /etc/sample; data directory /var/lib/sample.
// - syncSteps: `join member` (once the Pod is Running), `report member` (memberId / memberState to status).
// - health: the member joined and is Up. validateTemplate: the group template's config, checked the same way.
// - namesInUse: the group's instance names the data plane still lists (until `dataPlane.forget`).
// - restart.before: `drain member`; restart.after: `undrain member` (only acts when drained).
// - scaleIn (mode `scaleInMode`, 'delete' by default, switchable at any time): steps `start removal`
//   (Up -> Removing), `finish removal` (Removing -> Removed); cancelSteps `cancel removal` (Removing -> Up);
//   isRemoved: no member or Removed; isRemoving: Removing; mayRemove refuses with `removalRefusal` when set.
// - grace period of every Pod deletion: `gracePeriodSeconds` (default 1).
// Test controls:
// - `calls`: every step that changed something, in order, with the instance and the Pod UID at that moment
//   (`callsOf(instance, namespace)` gives the step names), so a test can assert "drain ran before the Pod was deleted".
// - `hold(step, instance?)`: the step returns `wait` and changes nothing; `reached(step, instance)` says an
//   instance is blocked there; `release(step, instance?)` lifts the hold and wakes the blocked instances.
export * from './api.ts';
export * from './data-plane.ts';
export * from './plugin.ts';
