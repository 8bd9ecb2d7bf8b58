import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import Provider, { type Configuration, type JWK } from 'oidc-provider';
import { freePort } from '../oauth/helpers.ts';

/**
 * A real OpenID Provider (oidc-provider, certified) in the test process, over HTTP on a loopback
 * port. Interactions are answered by the test: `login(sub)` says who "types their password" next.
 * `tamper` re-signs the next ID token with the provider's own key after changing claims, to prove
 * that Rolegate (openid-client) refuses a validly signed token with a wrong audience, expiry or nonce.
 */

export interface IdpAccount {
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, IdpAccount>;
  /** The account the next interaction signs in. */
  login(sub: string): void;
  /** Interactions show the provider's login page (a form) instead of a scripted login. */
  usePage(): void;
  /** Changes the claims of the next ID token the token endpoint returns (re-signed with the IdP key). */
  tamperNextIdToken(change: (claims: JWTPayload) => JWTPayload): void;
  close(): Promise<void>;
}

export async function startTestIdp(options: { redirectUri: string }): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'rolegate-test';
  const clientSecret = 'idp-client-secret-for-tests-only-0123456789';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' } as JWK;
  const accounts = new Map<string, IdpAccount>();
  let nextLogin: string | null = null;
  let tamper: ((claims: JWTPayload) => JWTPayload) | null = null;

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    features: { devInteractions: { enabled: false } },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (account === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...account }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['idp-cookie-key-for-tests'] },
    ttl: {
      IdToken: 3600,
      AccessToken: 600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  /** The provider's login page (for the browser test) when no login is scripted. */
  function loginPage(res: ServerResponse, uid: string): void {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Test IdP</title><h1>Test IdP sign-in</h1>` +
        `<form method="post" action="/interaction/${uid}/login">` +
        `<label>Username <input name="login" autocomplete="username"></label>` +
        `<button type="submit">Sign in to the IdP</button></form>`,
    );
  }

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    let accountId = nextLogin;
    if (req.method === 'POST') {
      accountId = (await readForm(req)).get('login');
      if (accountId === null || !accounts.has(accountId)) {
        loginPage(res, details.uid);
        return;
      }
    } else if (accountId === null) {
      loginPage(res, details.uid);
      return;
    }
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  /** Captures the token endpoint's JSON and re-signs its ID token after `change`. */
  function rewriteToken(res: ServerResponse, change: (claims: JWTPayload) => JWTPayload): void {
    const end = res.end.bind(res);
    const chunks: Buffer[] = [];
    res.write = ((chunk: string | Uint8Array) => {
      chunks.push(Buffer.from(chunk));
      return true;
    }) as ServerResponse['write'];
    res.end = ((chunk?: string | Uint8Array) => {
      if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id_token?: string };
      const finish = (text: string) => {
        res.setHeader('content-length', Buffer.byteLength(text));
        end(text);
      };
      if (body.id_token === undefined) {
        finish(JSON.stringify(body));
        return res;
      }
      const claims = change(decodeJwt(body.id_token));
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1', typ: 'JWT' })
        .sign(privateKey)
        .then((signed) => finish(JSON.stringify({ ...body, id_token: signed })));
      return res;
    }) as ServerResponse['end'];
  }

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
      return;
    }
    if (url.startsWith('/token') && tamper !== null) {
      const change = tamper;
      tamper = null;
      rewriteToken(res, change);
    }
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    login(sub) {
      nextLogin = sub;
    },
    usePage() {
      nextLogin = null;
    },
    tamperNextIdToken(change) {
      tamper = change;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser's cookie jar (name → value), enough for the provider's interaction cookies. */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Follows the browser through the provider: the authorization URL, the interaction (the scripted
 * login), and the redirects back, stopping at the first URL outside the provider (the callback).
 */
export async function throughProvider(authorizationUrl: string, idp: TestIdp): Promise<URL> {
  const jar = new Jar();
  let next = new URL(authorizationUrl);
  for (let hop = 0; hop < 8; hop++) {
    if (next.origin !== new URL(idp.issuer).origin) return next;
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    const location = res.headers.get('location');
    if (location === null)
      throw new Error(`no redirect from ${next.href}: ${res.status} ${await res.text()}`);
    next = new URL(location, next);
  }
  throw new Error('too many redirects at the provider');
}
