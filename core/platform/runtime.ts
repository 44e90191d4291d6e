// The only module that touches runtime globals (`Bun.*`, `Deno.*`): core code runs unchanged on Bun (the
// product) and on Deno (the portability check). The runtime shapes are declared locally, on purpose, so this
// file type-checks under both toolchains without either runtime's type package.

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port; read the chosen one from `RunningServer.port`. */
  port: number;
  fetch: FetchHandler;
}

export interface RunningServer {
  readonly port: number;
  /** Base URL, for example `http://127.0.0.1:8080/`. */
  readonly url: string;
  /**
   * Stops accepting connections and resolves once the server is closed. Bun closes open connections at once
   * (idle keep-alive ones would otherwise hold shutdown up); Deno lets in-flight requests finish first.
   */
  stop(): Promise<void>;
}

export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

interface BunServer {
  readonly port: number | undefined;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

interface BunRuntime {
  serve(options: { hostname: string; port: number; fetch: FetchHandler }): BunServer;
  env: Record<string, string | undefined>;
}

interface DenoServer {
  readonly addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
}

interface DenoRuntime {
  serve(options: { hostname: string; port: number; onListen?: () => void }, handler: FetchHandler): DenoServer;
  env: { get(name: string): string | undefined };
  addSignalListener(signal: ShutdownSignal, handler: () => void): void;
  removeSignalListener(signal: ShutdownSignal, handler: () => void): void;
}

interface NodeLikeProcess {
  on(event: ShutdownSignal, listener: () => void): unknown;
  off(event: ShutdownSignal, listener: () => void): unknown;
}

const runtimeGlobals = globalThis as unknown as { Bun?: BunRuntime; Deno?: DenoRuntime; process?: NodeLikeProcess };

export const isBun: boolean = runtimeGlobals.Bun !== undefined;
export const isDeno: boolean = runtimeGlobals.Deno !== undefined;

export const runtimeName: 'bun' | 'deno' | 'unknown' = isBun ? 'bun' : isDeno ? 'deno' : 'unknown';

function unsupported(what: string): Error {
  return new Error(`${what} needs Bun or Deno; this runtime is neither`);
}

/** `[::1]` style for IPv6 literals, so the URL stays valid. */
function urlFor(hostname: string, port: number): string {
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return `http://${host}:${port}/`;
}

export function serve(options: ServeOptions): RunningServer {
  const { Bun, Deno } = runtimeGlobals;
  if (Bun) {
    const server = Bun.serve({ hostname: options.hostname, port: options.port, fetch: options.fetch });
    const port = server.port ?? options.port;
    return {
      port,
      url: urlFor(options.hostname, port),
      // `true` closes idle keep-alive connections too; without it a client holding one open delays shutdown.
      stop: () => server.stop(true),
    };
  }
  if (Deno) {
    // An empty onListen silences Deno's default "Listening on ..." line on stdout; the caller logs instead.
    const server = Deno.serve({ hostname: options.hostname, port: options.port, onListen: () => {} }, options.fetch);
    const port = server.addr.port;
    return { port, url: urlFor(options.hostname, port), stop: () => server.shutdown() };
  }
  throw unsupported('serve');
}

/**
 * Calls `cb` on SIGINT or SIGTERM. Registering a listener replaces the runtime's default action (exit), so
 * the caller owns shutdown from then on. Returns a function that removes the listeners again.
 */
export function onShutdownSignal(cb: (signal: ShutdownSignal) => void): () => void {
  const signals: ShutdownSignal[] = ['SIGINT', 'SIGTERM'];
  const listeners = signals.map((signal) => ({ signal, listener: () => cb(signal) }));
  const { Deno, process } = runtimeGlobals;
  if (Deno) {
    for (const { signal, listener } of listeners) Deno.addSignalListener(signal, listener);
    return () => {
      for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
    };
  }
  if (process) {
    for (const { signal, listener } of listeners) process.on(signal, listener);
    return () => {
      for (const { signal, listener } of listeners) process.off(signal, listener);
    };
  }
  throw unsupported('onShutdownSignal');
}

/** An environment variable, or undefined when unset. Under Deno this needs `--allow-env` (for that name). */
export function env(name: string): string | undefined {
  const { Bun, Deno } = runtimeGlobals;
  if (Bun) return Bun.env[name];
  if (Deno) return Deno.env.get(name);
  throw unsupported('env');
}
