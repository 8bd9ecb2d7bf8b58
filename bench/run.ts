// `npm run bench [name...]`: runs the benchmarks, writes bench/results/<name>.json and the table in bench/README.md.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAppend } from './append.ts';
import { benchAudit } from './audit.ts';
import { benchGateway } from './gateway.ts';
import type { BenchResult } from './lib.ts';
import { benchStartup } from './startup.ts';
import { benchStreaming } from './streaming.ts';
import { benchSts } from './sts.ts';

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  startup: () => benchStartup(),
  gateway: () => benchGateway(),
  sts: () => benchSts(),
  streaming: () => benchStreaming(),
  audit: () => benchAudit(),
  append: () => benchAppend(),
};

const resultsDir = join(import.meta.dirname, 'results');
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  process.stderr.write(`bench ${name}…\n`);
  const result = await BENCHES[name]!();
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`${JSON.stringify(result.metrics)}\n`);
}

// Regenerate the summary table from every committed result.
const rows: string[] = [];
for (const file of readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const r = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as BenchResult;
  for (const t of r.targets) {
    rows.push(
      `| ${r.name} | ${t.metric} | ${t.value} | ${t.target} | ${t.pass ? 'met' : 'NOT met'} | ${r.date.slice(0, 10)} |`,
    );
  }
}
const readme = join(import.meta.dirname, 'README.md');
const head = existsSync(readme)
  ? readFileSync(readme, 'utf8').split('<!-- results -->')[0]!
  : '# Benchmarks\n\n';
writeFileSync(
  readme,
  `${head}<!-- results -->\n| benchmark | metric | value | target | status | measured |\n| --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`,
);
