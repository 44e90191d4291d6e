// Runs the CLI the way scripts do, as a child `bun cmd/tikv-operator.ts <args>`, for tests of its exit codes and
// output. No ambient configuration: an empty HOME and no KUBECONFIG or in-cluster variables unless a test passes
// them in `env`.
import { spawn } from 'bun';

const entry = new URL('./tikv-operator.ts', import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: readonly string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  const child = spawn(['bun', entry, ...args], {
    stdin: opts.stdin === undefined ? 'ignore' : new TextEncoder().encode(opts.stdin),
    stdout: 'pipe',
    stderr: 'pipe',
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...opts.env },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
