// The set of component plugins the operator runs, in dependency order. The composition root registers the
// plugins; the reconcilers look them up by component name or by the kind they reconcile, and the cluster
// reconciler walks `all()` so that a component comes after the components it depends on (PD before TiKV).
import type { ComponentPlugin } from './contract.ts';

/** A plugin whatever its data-plane type: the registry never looks at the data plane. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds plugins of every data-plane type.
export type AnyComponentPlugin = ComponentPlugin<any>;

export class PluginRegistry {
  private readonly plugins = new Map<string, AnyComponentPlugin>();
  private readonly groupKinds = new Map<string, AnyComponentPlugin>();
  private readonly instanceKinds = new Map<string, AnyComponentPlugin>();
  private ordered: AnyComponentPlugin[] | undefined;

  constructor(plugins: readonly AnyComponentPlugin[] = []) {
    for (const plugin of plugins) this.register(plugin);
  }

  /**
   * Adds a plugin. Throws when its name or one of its kinds is taken, or when its kinds do not say they belong
   * to it (a group kind and an instance kind whose `component` is the plugin's name).
   */
  register(plugin: AnyComponentPlugin): this {
    const { name, groupKind, instanceKind } = plugin;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      throw new Error(`plugin name "${name}" must be a lower-case label value (it becomes tikv.org/component)`);
    }
    if (this.plugins.has(name)) throw new Error(`plugin ${name} is already registered`);
    if (groupKind.role !== 'group') {
      throw new Error(`plugin ${name}: groupKind ${groupKind.resource.kind} has role ${groupKind.role}, not group`);
    }
    if (instanceKind.role !== 'instance') {
      throw new Error(
        `plugin ${name}: instanceKind ${instanceKind.resource.kind} has role ${instanceKind.role}, not instance`,
      );
    }
    for (const kind of [groupKind, instanceKind]) {
      if (kind.component !== name) {
        throw new Error(
          `plugin ${name}: kind ${kind.resource.kind} belongs to component ${kind.component ?? '(none)'}, not ${name}`,
        );
      }
      const owner = this.groupKinds.get(kind.resource.kind) ?? this.instanceKinds.get(kind.resource.kind);
      if (owner) throw new Error(`plugin ${name}: kind ${kind.resource.kind} is already used by plugin ${owner.name}`);
    }
    if (groupKind.resource.kind === instanceKind.resource.kind) {
      throw new Error(`plugin ${name}: the group and instance kinds must differ`);
    }
    if (plugin.dependsOn.includes(name)) throw new Error(`plugin ${name} depends on itself`);
    this.plugins.set(name, plugin);
    this.groupKinds.set(groupKind.resource.kind, plugin);
    this.instanceKinds.set(instanceKind.resource.kind, plugin);
    this.ordered = undefined;
    return this;
  }

  get(name: string): AnyComponentPlugin | undefined {
    return this.plugins.get(name);
  }

  /** Like `get`, for callers that cannot go on without the plugin (a kind the operator was started with). */
  require(name: string): AnyComponentPlugin {
    const plugin = this.plugins.get(name);
    if (!plugin) throw new Error(`no plugin is registered for component ${name}`);
    return plugin;
  }

  /** The plugin whose group kind is `kind` (`TiKVGroup`). */
  byGroupKind(kind: string): AnyComponentPlugin | undefined {
    return this.groupKinds.get(kind);
  }

  /** The plugin whose instance kind is `kind` (`TiKV`). */
  byInstanceKind(kind: string): AnyComponentPlugin | undefined {
    return this.instanceKinds.get(kind);
  }

  /**
   * Every plugin, each after the plugins it depends on; plugins without an order between them keep their
   * registration order. Throws when a dependency is not registered or the dependencies form a cycle.
   */
  all(): readonly AnyComponentPlugin[] {
    this.ordered ??= orderByDependencies([...this.plugins.values()]);
    return this.ordered;
  }

  names(): string[] {
    return this.all().map((p) => p.name);
  }
}

function orderByDependencies(plugins: readonly AnyComponentPlugin[]): AnyComponentPlugin[] {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  for (const plugin of plugins) {
    for (const dep of plugin.dependsOn) {
      if (!byName.has(dep)) {
        throw new Error(`plugin ${plugin.name} depends on ${dep}, which is not registered`);
      }
    }
  }
  // Depth-first, visiting plugins and their dependencies in registration / declaration order, which keeps the
  // order stable and lets the path on the stack name the cycle.
  const done = new Set<string>();
  const onPath: string[] = [];
  const out: AnyComponentPlugin[] = [];
  const visit = (plugin: AnyComponentPlugin) => {
    if (done.has(plugin.name)) return;
    const at = onPath.indexOf(plugin.name);
    if (at >= 0) {
      throw new Error(`plugin dependency cycle: ${[...onPath.slice(at), plugin.name].join(' -> ')}`);
    }
    onPath.push(plugin.name);
    for (const dep of plugin.dependsOn) visit(byName.get(dep) as AnyComponentPlugin);
    onPath.pop();
    done.add(plugin.name);
    out.push(plugin);
  };
  for (const plugin of plugins) visit(plugin);
  return out;
}
