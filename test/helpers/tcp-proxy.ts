import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A small TCP proxy on 127.0.0.1 for the hostile suite: put it between Rolegate and PostgreSQL,
 * Redis or an AWS endpoint and make the network misbehave on demand.
 *
 * - `pass`      forwards bytes both ways.
 * - `slow`      forwards every chunk after `delayMs` (both directions).
 * - `blackhole` accepts connections and reads, but never forwards nor answers: peers hang until
 *               their own timeouts fire. Connections already open go silent too.
 * - `drop`      resets every open connection and every new one at once.
 * - `garbage`   answers every new connection with random bytes, then closes it.
 *
 * `stop()` closes the listening socket (new connections are refused with ECONNREFUSED) and resets
 * open ones; `start()` listens again on the same port.
 */
export type ProxyMode = 'pass' | 'slow' | 'blackhole' | 'drop' | 'garbage';

export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  mode?: ProxyMode;
  delayMs?: number;
  /** Bytes of random data sent in `garbage` mode. */
  garbageBytes?: number;
}

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections currently open. */
  readonly open: number;
  setMode(mode: ProxyMode, options?: { delayMs?: number }): void;
  /** Resets every open connection (both sides). */
  resetAll(): void;
  /** Stops listening: new connections are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
}

/** Parses `scheme://user@host:port/...` and returns the same URL pointing at the proxy. */
export function rewriteUrl(url: string, proxy: Pick<TcpProxy, 'host' | 'port'>): string {
  const u = new URL(url);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString();
}

export function targetOf(url: string, defaultPort: number): { targetHost: string; targetPort: number } {
  const u = new URL(url);
  return { targetHost: u.hostname, targetPort: u.port === '' ? defaultPort : Number(u.port) };
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  let mode: ProxyMode = options.mode ?? 'pass';
  let delayMs = options.delayMs ?? 200;
  const garbageBytes = options.garbageBytes ?? 512;
  const pairs = new Set<Pair>();
  /** Every accepted socket, so stop() never waits on one (server.close waits for all to end). */
  const sockets = new Set<Socket>();
  let accepted = 0;
  let server: Server | null = null;
  let port = 0;

  const destroy = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  const forward = (from: Socket, to: () => Socket | null) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      const send = () => {
        const target = to();
        if (target !== null && !target.destroyed) target.write(chunk);
      };
      if (mode === 'slow') setTimeout(send, delayMs);
      else send();
    });
  };

  const onConnection = (client: Socket) => {
    accepted += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'garbage') {
      client.end(randomBytes(garbageBytes));
      return;
    }
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    // Bytes the client sends before the upstream is connected are queued by the socket.
    const pending: Buffer[] = [];
    const early = (chunk: Buffer) => pending.push(chunk);
    client.on('data', early);
    const upstream = createConnection({ host: options.targetHost, port: options.targetPort }, () => {
      client.off('data', early);
      if (mode !== 'blackhole') for (const chunk of pending) upstream.write(chunk);
      forward(client, () => pair.upstream);
    });
    pair.upstream = upstream;
    upstream.on('error', () => destroy(pair));
    forward(upstream, () => client);
    upstream.on('close', () => {
      if (mode !== 'blackhole') destroy(pair);
    });
    client.on('close', () => destroy(pair));
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const addr = s.address();
        port = typeof addr === 'object' && addr !== null ? addr.port : port;
        server = s;
        resolve();
      });
    });

  const resetAll = () => {
    for (const pair of [...pairs]) {
      pair.client.resetAndDestroy();
      pair.upstream?.resetAndDestroy();
      pairs.delete(pair);
    }
  };

  const stop = async () => {
    const s = server;
    server = null;
    resetAll();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    setMode(next, opts = {}) {
      mode = next;
      if (opts.delayMs !== undefined) delayMs = opts.delayMs;
      if (next === 'drop' || next === 'garbage') resetAll();
    },
    resetAll,
    stop,
    start: async () => {
      if (server === null) await listen();
    },
    close: stop,
  };
}
