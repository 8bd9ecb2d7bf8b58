/**
 * Invitation links: `/invite#token=…`. The token sits in the fragment, which browsers never send to
 * the server nor put in a Referer, so it stays out of access logs; the console reads it here.
 */
export function invitationLink(token: string): string {
  return `${window.location.origin}/invite#token=${encodeURIComponent(token)}`;
}

export function invitationTokenFromUrl(): string | null {
  if (window.location.pathname !== '/invite') return null;
  const token = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token');
  return token === null || token.trim() === '' ? null : token.trim();
}

/** Leaves the invitation page once it served its purpose (the token is dropped from history too). */
export function leaveInvitation(): void {
  window.history.replaceState(null, '', '/connections');
}
