#!/usr/bin/env bun
// The operator binary's entry point: `tikv-operator <command>`. Config errors exit 2 with one clear line.
import packageJson from '../package.json' with { type: 'json' };
import { parseRunOptions, runUsage, UsageError } from './operator/options.ts';
import { runOperator } from './operator/run.ts';
import { controllerSetups } from './plugins.ts';

const usage = `Usage: tikv-operator <command> [flags]

Commands:
  run       run the operator (in-cluster or from a kubeconfig)
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
    case 'version':
      return print(`tikv-operator ${packageJson.version}\n`);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      return print(usage);
    default:
      throw new UsageError(`unknown command "${command}"; run "tikv-operator --help"`);
  }
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`tikv-operator: ${message}\n`);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
