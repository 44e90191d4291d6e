// HTTP to the apiserver with the credentials of a client-node KubeConfig. client-node decides the TLS
// material and the Authorization header (static token, token file, exec plugin, OIDC, client certificate);
// requests go through node:http(s), which Bun and Deno both implement with client certificates (client-node
// 2.x's undici path does not honour them under Bun, see reference/ts-ecosystem.md 1.2).
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeTransportError } from './errors.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, for example `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: URLSearchParams;
  body?: string;
  contentType?: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface HttpStream {
  status: number;
  /** The response body; read it with `setEncoding` + `data` events. */
  response: http.IncomingMessage;
  /** Ends the request; the response emits `close`. */
  abort(): void;
}

export interface TransportOptions {
  userAgent?: string;
  /** Applies to unary requests only; watches end through their own timeoutSeconds. Default 60 s. */
  requestTimeoutMs?: number;
}

type TlsOptions = Pick<
  https.RequestOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export class KubeTransport {
  readonly server: string;
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;
  private agent: { fingerprint: string; agent: http.Agent } | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    opts: TransportOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server;
    this.userAgent = opts.userAgent ?? 'tikv-operator';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
  }

  url(path: string, query?: URLSearchParams): URL {
    const url = new URL(this.server + path);
    if (query) url.search = query.toString();
    return url;
  }

  /** Sends a request and reads the whole body. Rejects only when no HTTP answer arrived. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const label = `${req.method} ${url.toString()}`;
    const options = await this.requestOptions(req, url, label);
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = this.module(url).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(kubeTransportError(label, err)));
      });
      r.setTimeout(this.requestTimeoutMs, () =>
        r.destroy(new Error(`no answer within ${Math.round(this.requestTimeoutMs / 1000)}s`)),
      );
      r.on('error', (err) => reject(kubeTransportError(label, err)));
      r.end(req.body);
    });
  }

  /** Opens a long-running GET (a watch) and hands over the response as soon as its headers arrive. */
  async stream(req: HttpRequest): Promise<HttpStream> {
    const url = this.url(req.path, req.query);
    const label = `${req.method} ${url.toString()}`;
    const options = await this.requestOptions(req, url, label);
    return new Promise<HttpStream>((resolve, reject) => {
      const r = this.module(url).request(url, options, (res) => {
        resolve({ status: res.statusCode ?? 0, response: res, abort: () => r.destroy() });
      });
      r.on('error', (err) => reject(kubeTransportError(label, err)));
      r.end(req.body);
    });
  }

  private module(url: URL): typeof https | typeof http {
    return url.protocol === 'http:' ? http : https;
  }

  private async requestOptions(req: HttpRequest, url: URL, label: string): Promise<https.RequestOptions> {
    // client-node fills TLS material, auth headers (and an agent we replace unless it is a proxy agent).
    const auth: https.RequestOptions = {};
    try {
      await this.kubeConfig.applyToHTTPSOptions(auth);
    } catch (err) {
      throw kubeTransportError(`${label} (credentials)`, err);
    }
    const headers: Record<string, string> = {};
    if (auth.headers && !Array.isArray(auth.headers)) {
      for (const [k, v] of Object.entries(auth.headers)) if (v !== undefined) headers[k] = String(v);
    }
    headers.Accept = 'application/json';
    headers['User-Agent'] = this.userAgent;
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    if (req.contentType) headers['Content-Type'] = req.contentType;
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const tls: TlsOptions = {};
    for (const k of TLS_KEYS) if (auth[k] !== undefined) Object.assign(tls, { [k]: auth[k] });
    const proxied = this.kubeConfig.getCurrentCluster()?.proxyUrl !== undefined;
    const agent = proxied ? (auth.agent as http.Agent) : this.keepAliveAgent(url, tls);
    // TLS options go on the request too: Bun reads them from there, Node and Deno from the agent.
    return { method: req.method, headers, agent, ...tls };
  }

  // client-node builds a fresh agent per request (a new TLS handshake each time on Node and Deno); one
  // keep-alive agent per distinct TLS material keeps connections pooled and follows certificate rotation.
  private keepAliveAgent(url: URL, tls: TlsOptions): http.Agent {
    const h = createHash('sha256');
    h.update(url.protocol);
    for (const k of TLS_KEYS) h.update(`${k}=${bufferish(tls[k])};`);
    const fingerprint = h.digest('hex');
    if (this.agent?.fingerprint !== fingerprint) {
      this.agent?.agent.destroy();
      const agent =
        url.protocol === 'http:'
          ? new http.Agent({ keepAlive: true })
          : new https.Agent({ keepAlive: true, ...(tls as https.AgentOptions) });
      this.agent = { fingerprint, agent };
    }
    return this.agent.agent;
  }

  /** Closes pooled connections (open watches are ended by their own handles). */
  close(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
  }
}

function bufferish(v: unknown): string {
  if (v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(bufferish).join(',');
  return String(v);
}
