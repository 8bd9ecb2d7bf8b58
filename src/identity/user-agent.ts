/**
 * A short, human label for a User-Agent header ("Firefox on Windows"), for the sign-in history.
 * Only substring checks over a header already cut to 256 characters: linear, no regex built from
 * input. The label is a hint for people recognising their own devices, never an identity signal.
 */
const BROWSERS: ReadonlyArray<readonly [token: string, label: string]> = [
  // Order matters: Edge and Opera also say "Chrome/", Chrome also says "Safari/".
  ['Edg/', 'Edge'],
  ['OPR/', 'Opera'],
  ['Firefox/', 'Firefox'],
  ['Chromium/', 'Chromium'],
  ['HeadlessChrome/', 'Headless Chrome'],
  ['Chrome/', 'Chrome'],
  ['CriOS/', 'Chrome'],
  ['Safari/', 'Safari'],
  ['curl/', 'curl'],
  ['node-fetch', 'Node.js'],
  ['undici', 'Node.js'],
  ['Node.js', 'Node.js'],
  ['python-requests/', 'Python'],
  ['rolegate-cli', 'Rolegate CLI'],
];

const SYSTEMS: ReadonlyArray<readonly [token: string, label: string]> = [
  ['iPhone', 'iPhone'],
  ['iPad', 'iPad'],
  ['Android', 'Android'],
  ['CrOS', 'ChromeOS'],
  ['Windows', 'Windows'],
  ['Mac OS X', 'macOS'],
  ['Macintosh', 'macOS'],
  ['Linux', 'Linux'],
];

export function describeUserAgent(userAgent: string | null): string {
  if (userAgent === null || userAgent.trim() === '') return 'Unknown device';
  const browser = BROWSERS.find(([token]) => userAgent.includes(token))?.[1];
  const system = SYSTEMS.find(([token]) => userAgent.includes(token))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown device';
}
