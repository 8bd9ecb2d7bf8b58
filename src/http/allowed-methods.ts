/**
 * Which methods a concrete path answers to, from the registered route patterns: the not-found
 * handler turns "no route for this method" into 405 with `Allow` (RFC 9110 §15.5.6) instead of a
 * 404 that makes a caller think the path is wrong. The patterns are ours (the route table), never
 * the caller's input; each becomes one anchored segment-by-segment comparison, linear in the path.
 */

interface Pattern {
  segments: Array<{ kind: 'literal'; value: string } | { kind: 'param' } | { kind: 'wildcard' }>;
  methods: Set<string>;
}

function compile(url: string): Pattern['segments'] {
  return url
    .split('/')
    .slice(1)
    .map((s) => {
      if (s === '*') return { kind: 'wildcard' as const };
      if (s.startsWith(':')) return { kind: 'param' as const };
      return { kind: 'literal' as const, value: s };
    });
}

function matches(segments: Pattern['segments'], path: string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.kind === 'wildcard') return true;
    const p = path[i];
    if (p === undefined) return false;
    if (s.kind === 'literal' ? p !== s.value : p === '') return false;
  }
  return segments.length === path.length;
}

export function createAllowedMethods(
  routes: () => ReadonlyArray<{ method: string; url: string }>,
): (url: string) => string[] {
  let compiled: Pattern[] | null = null;
  return (url) => {
    if (compiled === null) {
      const byUrl = new Map<string, Pattern>();
      for (const r of routes()) {
        let p = byUrl.get(r.url);
        if (p === undefined) {
          p = { segments: compile(r.url), methods: new Set() };
          byUrl.set(r.url, p);
        }
        p.methods.add(r.method);
      }
      compiled = [...byUrl.values()];
    }
    const path = (url.split('?')[0] ?? '').split('/').slice(1);
    const allowed = new Set<string>();
    for (const p of compiled) {
      // A catch-all route (`/*`) would make every unknown path "exist"; only specific routes count.
      if (p.segments.length === 1 && p.segments[0]?.kind === 'wildcard') continue;
      if (matches(p.segments, path)) for (const m of p.methods) allowed.add(m);
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  };
}
