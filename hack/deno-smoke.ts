// `bun run test:deno [files...]`: runs the Deno smoke tests (`*.deno.ts` under core/ and plugins/, written
// with node:test), type-checked, under the repo's Deno (node_modules/.bin/deno, deno.json import map over
// node_modules) with the permissions the operator itself needs: env, loopback network, read of the repo,
// read/write of one scratch directory.
// Deno's output is passed through; the script then prints bun test's closing count lines (` N pass`,
// ` N fail`) so CI adds Deno's results to bun's, and exits non-zero when anything failed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dir, '..');
const deno = join(repo, 'node_modules', '.bin', 'deno');
const timeoutMs = 5 * 60_000;

const summaryLine = /\|\s*(\d+) passed(?: \(\d+ steps?\))?\s*\|\s*(\d+) failed/;

/** Deno's closing line, `ok | 7 passed | 0 failed (82ms)` or `FAILED | 6 passed | 1 failed (90ms)`. */
export function parseDenoSummary(output: string): { pass: number; fail: number } | undefined {
  const plain = Bun.stripANSI(output);
  const lines = plain.split('\n').filter((line) => summaryLine.test(line));
  const last = lines.at(-1)?.match(summaryLine);
  return last ? { pass: Number(last[1]), fail: Number(last[2]) } : undefined;
}

async function smokeFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of ['core', 'plugins']) {
    for await (const file of new Bun.Glob(`${dir}/**/*.deno.ts`).scan({ cwd: repo })) files.push(file);
  }
  return files.sort();
}

/** Copies a child's stream to ours while keeping the text for parsing. */
async function forward(stream: ReadableStream<Uint8Array>, to: NodeJS.WriteStream): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream) {
    to.write(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** Runs the given files, or every smoke file when none are given. */
async function main(requested: string[]): Promise<number> {
  const files = requested.length > 0 ? requested : await smokeFiles();
  if (files.length === 0) {
    console.error('deno smoke: no *.deno.ts files found under core/ or plugins/');
    return report(0, 1);
  }
  if (!(await Bun.file(deno).exists())) {
    console.error(`deno smoke: ${deno} is missing: run \`bun install\` (deno is a devDependency)`);
    return report(0, 1);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'tikv-operator-deno-smoke-'));
  try {
    const args = [
      deno,
      'test',
      `--config=${join(repo, 'deno.json')}`,
      // client-node's `debug` dependency enumerates the whole environment at import time.
      '--allow-env',
      `--allow-read=${repo},${scratch}`,
      `--allow-write=${scratch}`,
      '--allow-net=127.0.0.1',
      ...files,
    ];
    console.log(`deno smoke: ${files.join(' ')}`);
    const proc = Bun.spawn(args, {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', TIKV_DENO_SMOKE_DIR: scratch },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const timer = setTimeout(() => {
      console.error(`deno smoke: no result after ${timeoutMs / 1000} s, stopping deno`);
      proc.kill();
    }, timeoutMs);
    const [out, err, code] = await Promise.all([
      forward(proc.stdout, process.stdout),
      forward(proc.stderr, process.stderr),
      proc.exited,
    ]);
    clearTimeout(timer);
    const summary = parseDenoSummary(`${out}\n${err}`);
    if (!summary) {
      console.error(`deno smoke: deno exited with ${code} without a test summary`);
      return report(0, 1);
    }
    // A non-zero exit with no failed test (a type error, a crash after the summary) still fails the run.
    const fail = code !== 0 && summary.fail === 0 ? 1 : summary.fail;
    return report(summary.pass, fail);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function report(pass: number, fail: number): number {
  process.stdout.write(`\n ${pass} pass\n ${fail} fail\n`);
  return fail > 0 ? 1 : 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
