import type { DbOrTx } from '../db/client.ts';
import { listChains } from './store.ts';
import { type ChainBreak, type ChainVerification, verifyChain } from './verify.ts';

function describeBreak(b: ChainBreak): string {
  const where = b.lastSeq !== undefined && b.lastSeq !== b.seq ? `seq ${b.seq}-${b.lastSeq}` : `seq ${b.seq}`;
  return `        ${where}: ${b.reason}\n`;
}

function describeRun(result: ChainVerification): string {
  return result.full
    ? `${result.checked} re-hashed from the first`
    : `${result.checked} re-hashed after the checkpoint at seq ${result.fromSeq - 1}`;
}

/**
 * `rolegate audit verify [--org <id>] [--full]`: verifies one organisation's chain or every chain
 * (including the system chain and chains of deleted organisations) and lists every break. Without
 * `--full` each chain is checked from its checkpoint on (docs/audit.md); `--full` re-hashes every
 * record and trusts no checkpoint. Returns true when all are intact.
 */
export interface AuditVerifyReport {
  valid: boolean;
  chains: ChainVerification[];
}

export async function runAuditVerify(
  db: DbOrTx,
  options: { org?: string | undefined; full?: boolean | undefined; write: (line: string) => void },
): Promise<AuditVerifyReport> {
  const chains = options.org === undefined ? await listChains(db) : [options.org];
  let ok = true;
  const results: AuditVerifyReport['chains'] = [];
  for (const chain of chains) {
    const result = await verifyChain(db, chain, { full: options.full === true });
    results.push(result);
    if (result.valid) {
      options.write(`ok      ${chain}: ${result.headSeq} records (${describeRun(result)})\n`);
    } else {
      ok = false;
      const shown = result.breaks.length < result.breakCount ? ` (first ${result.breaks.length} listed)` : '';
      options.write(
        `BROKEN  ${chain}: ${result.breakCount} break(s)${shown} in ${result.headSeq} records (${describeRun(result)})\n`,
      );
      for (const b of result.breaks) options.write(describeBreak(b));
    }
  }
  if (chains.length === 0) options.write('no audit chains\n');
  return { valid: ok, chains: results };
}
