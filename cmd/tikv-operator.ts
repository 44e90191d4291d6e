#!/usr/bin/env bun
// The operator binary's entry point: `tikv-operator <command>`. Usage and configuration errors exit 2 with one
// clear line; other failures (a refused CRD downgrade, an unreachable apiserver) exit 1, also with one line.
import { KubeConfigError } from '../core/kube/config.ts';
import { runCrdsCommand } from './crds/command.ts';
import { processMigrateEnvironment, processMigrateIO, runMigrateCommand } from './migrate/command.ts';
import { parseRunOptions, runUsage, UsageError } from './operator/options.ts';
import { runOperator } from './operator/run.ts';
import { controllerSetups } from './plugins.ts';
import { operatorVersion } from './version.ts';

const usage = `Usage: tikv-operator <command> [flags]

Commands:
  run       run the operator (in-cluster or from a kubeconfig)
  crds      print or install the CustomResourceDefinitions
  migrate   convert or migrate clusters of the legacy tikv-operator (TikvCluster) to this API
  version   print the version

Run "tikv-operator <command> --help" for the flags of a command.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const options = parseRunOptions(rest);
      if (options === 'help') return print(runUsage);
      return runOperator(options, controllerSetups);
    }
    case 'crds':
      return runCrdsCommand(rest, writeStdout);
    case 'migrate': {
      // A first Ctrl-C stops a live migration between two steps (running it again continues); a second one ends
      // the process as usual.
      const interrupted = new AbortController();
      if (rest[0] === 'run') process.once('SIGINT', () => interrupted.abort());
      return runMigrateCommand(rest, processMigrateIO(writeStdout), processMigrateEnvironment(interrupted.signal));
    }
    case 'version':
      if (rest.length > 0) throw new UsageError(`version takes no arguments, got "${rest[0]}"`);
      return print(`tikv-operator ${operatorVersion}\n`);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      return print(usage);
    default:
      throw new UsageError(`unknown command "${command}"; run "tikv-operator --help"`);
  }
}

async function print(text: string): Promise<number> {
  await writeStdout(text);
  return 0;
}

// process.exit() right after a write to a pipe can drop what is still buffered (`crds print | kubectl apply`
// would read a truncated stream), so every write is awaited until the runtime has handed it to the OS.
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Exit code and the single line printed for an error that ends the command. */
export function describeFatal(error: unknown): { code: number; line: string } {
  const message = error instanceof Error ? error.message : String(error);
  const line = `tikv-operator: ${conciseParseArgsMessage(message.split('\n')[0]?.trim() ?? '')}`;
  const isConfigError = error instanceof UsageError || error instanceof KubeConfigError;
  return { code: isConfigError ? 2 : 1, line };
}

// node:util parseArgs explains how to pass a positional that starts with '-'; for a mistyped flag that is noise.
function conciseParseArgsMessage(message: string): string {
  const unknown = /^Unknown option '([^']+)'\. To specify a positional argument/.exec(message);
  return unknown ? `unknown flag ${unknown[1]}; see --help` : message;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const { code, line } = describeFatal(error);
      process.stderr.write(`${line}\n`);
      process.exit(code);
    },
  );
}
