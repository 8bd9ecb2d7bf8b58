import { describe, expect, it } from 'vitest';
import { progressLine, summaryTable } from '../../src/scans/cli.ts';
import type { ScanView } from '../../src/scans/jobs.ts';

const view = (done: number, total: number, findings: number, status: ScanView['status']): ScanView => ({
  id: 'scn_x',
  connectionId: 'con_x',
  status,
  progress: { regionsDone: done, regionsTotal: total, findings },
  regions: [],
  warnings: [],
  attempt: 1,
  createdAt: '2026-11-24T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
});

describe('scan CLI output', () => {
  it('draws a progress bar of regions done', () => {
    expect(progressLine(view(1, 2, 3, 'running'))).toBe(
      `[${'#'.repeat(12)}${'.'.repeat(12)}] 1/2 regions · 3 findings · running`,
    );
    expect(progressLine(view(0, 0, 0, 'succeeded'))).toContain('#'.repeat(24));
  });

  it('prints a summary table with a total and the price-table date', () => {
    const out = summaryTable([
      { type: 'ebs_volume_unattached', region: 'us-east-1', count: 2, cents: 1600 },
      { type: 'eip_unassociated', region: 'eu-west-1', count: 1, cents: 365 },
    ]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+REGION\s+COUNT\s+MONTHLY \(USD\)$/);
    expect(lines[1]).toMatch(/^ebs_volume_unattached\s+us-east-1\s+2\s+\$16\.00$/);
    expect(lines[3]).toMatch(/^total\s+3\s+\$19\.65$/);
    expect(lines[4]).toMatch(/price table of \d{4}-\d{2}-\d{2}/);
  });
});
