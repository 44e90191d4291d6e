// A made-up component for core's tests: core must work for any plugin's kinds, and may not import real plugins.
import * as v from 'valibot';
import { defineGroupKind } from '../group.ts';
import { defineInstanceKind } from '../instance.ts';
import { commonTemplateEntries } from '../template.ts';

export const widgetTemplateEntries = {
  ...commonTemplateEntries({
    component: 'Widget',
    imageRepository: 'example.org/widget',
    dataDirectory: '/var/lib/widget',
    managedConfigKeys: ['name', 'server.addr'],
  }),
  colour: v.optional(v.pipe(v.picklist(['red', 'blue']), v.description('Colour of every widget.')), 'red'),
};

export const widgetGroupKind = defineGroupKind({
  kind: 'WidgetGroup',
  plural: 'widgetgroups',
  shortNames: ['wg'],
  component: 'widget',
  description: 'Widgets.',
  templateEntries: widgetTemplateEntries,
  defaultReplicas: 2,
  statusEntries: { spinning: v.optional(v.boolean()) },
});

export const widgetKind = defineInstanceKind({
  kind: 'Widget',
  plural: 'widgets',
  shortNames: [],
  component: 'widget',
  description: 'One widget.',
  templateEntries: widgetTemplateEntries,
  specEntries: { polished: v.optional(v.boolean(), false) },
  statusEntries: { rpm: v.optional(v.number()) },
  printerColumns: [{ name: 'RPM', type: 'number', jsonPath: '.status.rpm' }],
});

/** A minimal valid WidgetGroup with the given spec fields merged in. */
export function widgetGroup(spec: Record<string, unknown> = {}, name = 'w'): Record<string, unknown> {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'WidgetGroup',
    metadata: { name, namespace: 'ns' },
    spec: {
      cluster: { name: 'basic' },
      template: { spec: { version: 'v1.0.0', volumes: [{ name: 'data', storage: '1Gi' }] } },
      ...spec,
    },
  };
}

/** A minimal valid Widget instance with the given spec fields merged in. */
export function widget(spec: Record<string, unknown> = {}, name = 'w-0'): Record<string, unknown> {
  return {
    apiVersion: 'core.tikv.org/v1alpha1',
    kind: 'Widget',
    metadata: { name, namespace: 'ns' },
    spec: {
      cluster: { name: 'basic' },
      subdomain: 'w-peer',
      version: 'v1.0.0',
      volumes: [{ name: 'data', storage: '1Gi' }],
      ...spec,
    },
  };
}

/** A WidgetGroup with a template spec field replaced. */
export function widgetGroupWithTemplate(templateSpec: Record<string, unknown>): Record<string, unknown> {
  return widgetGroup({
    template: { spec: { version: 'v1.0.0', volumes: [{ name: 'data', storage: '1Gi' }], ...templateSpec } },
  });
}
