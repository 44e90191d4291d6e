// `tikv-operator crds print|install`: the CRDs of this binary's version, to stdout or into a cluster. Installing
// CRDs needs cluster-admin-like rights the operator itself does not have (see docs/install.md), so it is a
// separate command run by whoever installs or upgrades the operator.
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../../core/api/duration.ts';
import { loadKubeConfig } from '../../core/kube/config.ts';
import { RestKubeClient } from '../../core/kube/rest-client.ts';
import { UsageError } from '../operator/options.ts';
import { operatorVersion } from '../version.ts';
import { installCrds } from './install.ts';
import { crdManifests, crdsYamlStream } from './manifests.ts';

export const crdsUsage = `Usage: tikv-operator crds <command> [flags]

The CustomResourceDefinitions of this operator version (${operatorVersion}): Cluster, PDGroup, PD, TiKVGroup, TiKV.

Commands:
  print     write them as one YAML stream to stdout (the same as the files in crds/)
  install   server-side apply them to a cluster and wait until they are Established

Run "tikv-operator crds <command> --help" for the flags of a command.
`;

export const crdsPrintUsage = `Usage: tikv-operator crds print

Writes every CRD of this operator version as one YAML stream to stdout, for example:
  tikv-operator crds print | kubectl apply --server-side -f -
`;

export const crdsInstallUsage = `Usage: tikv-operator crds install [flags]

Server-side applies every CRD (field manager tikv-operator) and waits until the apiserver serves them. Each CRD
is stamped with the annotation tikv.org/operator-version; CRDs stamped by a newer operator are not downgraded.

Flags:
  --kubeconfig <path>   kubeconfig file (default: KUBECONFIG, in-cluster service account, ~/.kube/config)
  --context <name>      kubeconfig context (default: current context)
  --force               install even over CRDs of a newer operator version (a downgrade)
  --timeout <duration>  how long to wait for the CRDs to be Established (default: 60s)
  -h, --help            show this help
`;

export interface InstallCommandOptions {
  kubeconfig?: string;
  context?: string;
  force: boolean;
  timeoutMs: number;
}

export type CrdsCommand =
  | { command: 'help'; text: string }
  | { command: 'print' }
  | { command: 'install'; options: InstallCommandOptions };

/** Parses `crds ...` arguments; every mistake is a UsageError with one line. */
export function parseCrdsCommand(argv: readonly string[]): CrdsCommand {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      return { command: 'help', text: crdsUsage };
    case 'print': {
      const { values, positionals } = strictParse(rest, { help: { type: 'boolean', short: 'h' } });
      if (values.help) return { command: 'help', text: crdsPrintUsage };
      rejectPositionals(positionals);
      return { command: 'print' };
    }
    case 'install': {
      const { values, positionals } = strictParse(rest, {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        force: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      });
      if (values.help) return { command: 'help', text: crdsInstallUsage };
      rejectPositionals(positionals);
      const timeout = (values.timeout as string | undefined) ?? '60s';
      const timeoutMs = parseDurationMs(timeout);
      if (timeoutMs === undefined || timeoutMs <= 0) {
        throw new UsageError(`--timeout must be a positive duration such as 60s or 2m, got "${timeout}"`);
      }
      return {
        command: 'install',
        options: {
          kubeconfig: values.kubeconfig as string | undefined,
          context: values.context as string | undefined,
          force: values.force === true,
          timeoutMs,
        },
      };
    }
    default:
      throw new UsageError(`unknown crds command "${sub}"; run "tikv-operator crds --help"`);
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function strictParse(args: string[], options: OptionSpec) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function rejectPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
}

/** Runs `crds ...`; `write` receives stdout text. Resolves with the exit code. */
export async function runCrdsCommand(
  argv: readonly string[],
  write: (text: string) => void | Promise<void>,
): Promise<number> {
  const parsed = parseCrdsCommand(argv);
  switch (parsed.command) {
    case 'help':
      await write(parsed.text);
      return 0;
    case 'print':
      await write(crdsYamlStream());
      return 0;
    case 'install': {
      const { kubeconfig, context, force, timeoutMs } = parsed.options;
      const client = new RestKubeClient(loadKubeConfig({ path: kubeconfig, context }).kubeConfig);
      const lines: string[] = [];
      await installCrds(
        client,
        crdManifests().map((m) => m.crd),
        { version: operatorVersion, force, timeoutMs, report: (line) => lines.push(line) },
      );
      await write(lines.map((line) => `${line}\n`).join(''));
      return 0;
    }
  }
}
