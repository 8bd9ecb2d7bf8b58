import type { DbOrTx } from '../db/client.ts';
import { type ChainVerification, listChains, verifyChain } from './verify.ts';

/**
 * `rolegate audit verify [--org <id>]`: verifies one organisation's chain or every chain (including
 * the system chain and chains of deleted organisations). Returns true when all are intact.
 */
export interface AuditVerifyReport {
  valid: boolean;
  chains: ChainVerification[];
}

export async function runAuditVerify(
  db: DbOrTx,
  options: { org?: string | undefined; write: (line: string) => void },
): Promise<AuditVerifyReport> {
  const chains = options.org === undefined ? await listChains(db) : [options.org];
  let ok = true;
  const results: AuditVerifyReport['chains'] = [];
  for (const chain of chains) {
    const result: ChainVerification = await verifyChain(db, chain);
    results.push(result);
    if (result.valid) {
      options.write(`ok      ${chain}: ${result.checked} records\n`);
    } else {
      ok = false;
      options.write(
        `BROKEN  ${chain}: first broken link at seq ${result.firstBrokenSeq} (${result.reason}); ${result.checked} records verified before it\n`,
      );
    }
  }
  if (chains.length === 0) options.write('no audit chains\n');
  return { valid: ok, chains: results };
}
