/**
 * Invitation links: `/invite#token=…`. The token sits in the fragment, which browsers never send to
 * the server nor put in a Referer, so it stays out of access logs; the console reads it here.
 */
export function invitationLink(token: string): string {
  return `${window.location.origin}/invite#token=${encodeURIComponent(token)}`;
}

/** The token of an invitation link, from the router's location (path `/invite`, fragment `token=`). */
export function invitationTokenFrom(location: { pathname: string; hash: string }): string | null {
  if (location.pathname !== '/invite') return null;
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  return token === null || token.trim() === '' ? null : token.trim();
}
