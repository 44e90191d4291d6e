// Reading the Dockerfile and .dockerignore without Docker: the instructions per stage (for the lint rules in
// dockerfile.test.ts) and the build context the builder stage would see (so the binary test can build the binary
// from exactly that context, with the builder stage's own RUN commands).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** Flags such as --from=builder, as written. */
  flags: string[];
  /** Everything after the keyword and its flags, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions in order; comments, parser directives and blank lines dropped; `\` continuations joined. */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let current = lines[i]?.trim() ?? '';
    if (current === '' || current.startsWith('#')) continue;
    while (current.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]?.trim() ?? '';
      // Comment lines inside a continued instruction are removed by Docker's parser.
      current = next.startsWith('#') ? current : `${current.slice(0, -1).trimEnd()} ${next}`;
    }
    const [keyword = '', ...rest] = current.split(/\s+/);
    const flags: string[] = [];
    while (rest[0]?.startsWith('--')) flags.push(rest.shift() as string);
    out.push({ keyword: keyword.toUpperCase(), flags, args: rest.join(' '), line: start + 1 });
  }
  return out;
}

export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [ins] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before the first FROM`);
      stage.instructions.push(ins);
    }
  }
  return stages;
}

/** `COPY a b ./dest` or `COPY ["a", "dest"]` -> sources and destination. */
export function copyOperands(ins: Instruction): { sources: string[]; dest: string } {
  const parts = ins.args.startsWith('[') ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/);
  const dest = parts.at(-1);
  if (parts.length < 2 || dest === undefined)
    throw new Error(`Dockerfile line ${ins.line}: COPY needs a source and a destination`);
  return { sources: parts.slice(0, -1), dest };
}

/**
 * A .dockerignore matcher with Docker's rules: patterns are globs relative to the context root, a pattern that
 * matches a directory matches everything below it, `!` re-includes, and the last matching pattern wins.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const include = l.startsWith('!');
      const pattern = (include ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { include, glob: new Bun.Glob(pattern) };
    });
  return (path) => {
    const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.glob.match(p))) ignored = !rule.include;
    }
    return ignored;
  };
}

/** Files of the build context (relative paths), after .dockerignore. */
export function contextFiles(root: string): string[] {
  const ignorePath = join(root, '.dockerignore');
  const ignored = existsSync(ignorePath) ? dockerignoreMatcher(readFileSync(ignorePath, 'utf8')) : () => false;
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.name === '.git' || entry.name === 'node_modules') continue;
      if (entry.isDirectory()) walk(path);
      else if (!ignored(path)) files.push(path);
    }
  };
  walk('');
  return files.sort();
}

/**
 * Recreates under `into` what the named stage's COPY instructions (from the context, not from other stages) put
 * into its WORKDIR: `into` stands for the WORKDIR. Returns the WORKDIR and the stage's RUN commands in order, to be
 * run in `into`.
 */
export function stageContext(
  root: string,
  dockerfile: string,
  stageName: string,
  into: string,
): { workdir: string; runs: string[] } {
  const stage = parseStages(dockerfile).find((s) => s.name === stageName);
  if (!stage) throw new Error(`Dockerfile has no stage "${stageName}"`);
  const files = contextFiles(root);
  const runs: string[] = [];
  let workdir = '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = ins.args.startsWith('/') ? ins.args : join(workdir, ins.args);
    if (ins.keyword === 'RUN') runs.push(ins.args);
    if (ins.keyword !== 'COPY' || ins.flags.some((f) => f.startsWith('--from'))) continue;
    const { sources, dest } = copyOperands(ins);
    const destDir = dest.endsWith('/') || sources.length > 1;
    const absoluteDest = dest.startsWith('/') ? dest : join(workdir, dest);
    if (absoluteDest !== workdir && !absoluteDest.startsWith(`${workdir.replace(/\/$/, '')}/`)) {
      throw new Error(`Dockerfile line ${ins.line}: COPY to ${dest} is outside WORKDIR ${workdir}`);
    }
    const destRel = absoluteDest.slice(workdir.length).replace(/^\//, '');
    for (const source of sources) {
      const src = source.replace(/^\.\//, '').replace(/\/+$/, '');
      const matching = files.filter((f) => f === src || f.startsWith(`${src}/`));
      if (matching.length === 0) throw new Error(`Dockerfile line ${ins.line}: COPY ${source}: nothing in the context`);
      for (const file of matching) {
        const isDirCopy = file !== src;
        const name = isDirCopy ? file.slice(src.length + 1) : (file.split('/').at(-1) as string);
        const target = isDirCopy || destDir ? join(into, destRel, name) : join(into, destRel);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(root, file), target);
      }
    }
  }
  return { workdir, runs };
}

export function isExecutableFile(path: string): boolean {
  return existsSync(path) && (statSync(path).mode & 0o111) !== 0;
}
