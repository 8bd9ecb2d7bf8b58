import { createServer } from 'node:net';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { TestUser } from '../helpers/identity.ts';

export const REDIRECT_URI = 'http://127.0.0.1:33418/callback';

/** A free loopback port, so the OAuth issuer (a fixed public URL) can be known before the app starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

/** The SDK's OAuth client provider, kept in memory as a CLI client would keep it on disk. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  private readonly name: string;
  constructor(name = 'Test Agent') {
    this.name = name;
  }
  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** A browser's cookie jar, enough for the provider's interaction cookies. */
class Jar {
  private readonly cookies = new Map<string, string>();
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

export interface ConsentResult {
  /** Where the provider finally sent the browser (the client's redirect URI with code or error). */
  location: URL;
  uid: string;
}

/**
 * What a person does in a browser, over HTTP: open the authorization URL, land on the console's
 * consent page (`/oauth-consent?uid=…`), approve there as `user` (the console calls the API with the
 * user's token), and follow the provider's redirects back to the client's redirect URI.
 */
export async function consentOverHttp(
  baseUrl: string,
  authorizationUrl: URL,
  user: TestUser,
  decision: { approve: Record<string, unknown> } | { deny: true },
): Promise<ConsentResult> {
  const jar = new Jar();
  let res = await fetch(authorizationUrl, { redirect: 'manual' });
  jar.take(res);
  const consentPage = new URL(res.headers.get('location') ?? '', baseUrl);
  if (consentPage.pathname !== '/oauth-consent') {
    throw new Error(`expected the consent page, got ${res.status} ${consentPage.href} ${await res.text()}`);
  }
  const uid = consentPage.searchParams.get('uid')!;
  const action = 'approve' in decision ? 'approve' : 'deny';
  const answer = await fetch(`${baseUrl}/v1/oauth/interactions/${uid}/${action}`, {
    method: 'POST',
    headers: { ...user.headers, 'content-type': 'application/json' },
    body: JSON.stringify('approve' in decision ? decision.approve : {}),
  });
  if (answer.status !== 200) throw new Error(`${action}: ${answer.status} ${await answer.text()}`);
  let next = new URL(((await answer.json()) as { redirectTo: string }).redirectTo, baseUrl);
  for (let hop = 0; hop < 5 && next.origin === new URL(baseUrl).origin; hop++) {
    res = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    const location = res.headers.get('location');
    if (location === null)
      throw new Error(`no redirect from ${next.href}: ${res.status} ${await res.text()}`);
    next = new URL(location, next);
  }
  return { location: next, uid };
}
