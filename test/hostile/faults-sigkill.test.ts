import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../bench/lib.ts';

// `rolegate serve` killed with SIGKILL in the middle of a stream of writes, then restarted on the same
// data (a file-backed PGlite directory, or the PostgreSQL database of the run): every write the
// server acknowledged with a 2xx is there after the restart, and the audit chains still verify.

const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-sigkill-'));
const env = {
  ROLEGATE_DATA_DIR: dataDir,
  ROLEGATE_RATE_LIMIT_AUTH_MAX: '100000',
  ROLEGATE_RATE_LIMIT_API_MAX: '1000000',
  // One user creates organisations as fast as it can: lift the per-user creation limits.
  ROLEGATE_ORG_CREATE_PER_DAY: '10000',
  ROLEGATE_ORG_MAX_OWNED: '100000',
  ROLEGATE_PRESSURE_MAX_EVENT_LOOP_DELAY: '0',
  ROLEGATE_VERIFY_INTERVAL: '0',
};
const WRITE_MS = Number(process.env.HOSTILE_SIGKILL_WRITE_MS ?? 2_000);
const CONCURRENCY = 8;

let server: (RunningServer & { readyMs: number }) | null = null;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

async function login(base: string, email: string, password: string): Promise<string> {
  const res = await post(`${base}/v1/auth/login`, { email, password });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return (res.json as { accessToken: string }).accessToken;
}

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli.ts', ...args], {
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe(`SIGKILL during writes (${process.env.DATABASE_URL === undefined ? 'PGlite, file-backed' : 'PostgreSQL'})`, () => {
  it('every acknowledged write survives the kill and the restart', async () => {
    server = await startServer(env);
    const email = `sigkill-${randomBytes(6).toString('hex')}@example.test`;
    const password = `sigkill ${randomBytes(12).toString('hex')} staple`;
    const signup = await post(`${server.url}/v1/auth/signup`, { email, password });
    expect(signup.status).toBe(201);
    const token = await login(server.url, email, password);

    const orgs: string[] = [];
    const accounts: Array<{ email: string; password: string }> = [];
    let failures = 0;
    let killed = false;
    const base = server.url;
    const worker = async (n: number) => {
      for (let i = 0; !killed; i++) {
        try {
          if (n === 0 && i % 3 === 0) {
            const account = { email: `sk-${randomBytes(6).toString('hex')}@example.test`, password };
            const res = await post(`${base}/v1/auth/signup`, account);
            if (res.status === 201) accounts.push(account);
          } else {
            const res = await post(`${base}/v1/orgs`, { name: `sigkill ${n}-${i}` }, token);
            if (res.status === 201) orgs.push((res.json as { id: string }).id);
          }
        } catch {
          failures += 1;
          return;
        }
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, (_, n) => worker(n));
    await new Promise((r) => setTimeout(r, WRITE_MS));
    const child = server.child;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    killed = true;
    await exited;
    await Promise.all(workers);
    process.stderr.write(
      `hostile sigkill: ${orgs.length} organisations and ${accounts.length} sign-ups acknowledged; ${failures} requests cut off\n`,
    );
    expect(orgs.length).toBeGreaterThan(5);
    expect(failures).toBeGreaterThan(0);

    server = await startServer(env);
    const after = await login(server.url, email, password);
    const list = await fetch(`${server.url}/v1/orgs`, { headers: { authorization: `Bearer ${after}` } });
    expect(list.status).toBe(200);
    const present = new Set(((await list.json()) as { items: Array<{ id: string }> }).items.map((o) => o.id));
    const missing = orgs.filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    for (const account of accounts) await login(server.url, account.email, account.password);
    await server.stop();
    server = null;

    // The audit chains survived the kill intact (all chains on PGlite; ours on a shared PostgreSQL).
    const targets =
      process.env.DATABASE_URL === undefined ? [[]] : [orgs[0]!, orgs.at(-1)!].map((o) => ['--org', o]);
    for (const extra of targets) {
      const verify = await runCli(['audit', 'verify', ...extra]);
      expect(verify.code, verify.out).toBe(0);
      expect(verify.out).toMatch(/^ok /m);
      expect(verify.out).not.toMatch(/broken|FAIL/i);
    }
  }, 180_000);
});
