/**
 * The background jobs (scans, CloudTrail reconciliations) running in this process, by organisation
 * and connection, so that deleting a connection, an organisation or an account stops their jobs at
 * once (issue 25, item 4). Each job registers its AbortController while it runs; the delete paths
 * signal it from inside their transaction, before the 204 can be sent. Jobs running on another node
 * find out on their own: they re-resolve the connection and treat a missing row as cancelled.
 *
 * Created before the feature modules (app.ts), since connections and organisations are built before
 * the features whose jobs they stop. Bounded by construction: one entry per job running here.
 */

export interface RunningJob {
  id: string;
  orgId: string;
  connectionId: string;
  controller: AbortController;
}

export interface ScanCanceller {
  /** Aborts this process's jobs of the connection; returns how many. */
  cancelConnection(orgId: string, connectionId: string): number;
  /** Aborts this process's jobs of the organisations; returns how many. */
  cancelOrganizations(orgIds: readonly string[]): number;
}

export interface JobRegistry extends ScanCanceller {
  /** Returns the function that removes the job again (call it when the job ends). */
  register(job: RunningJob): () => void;
}

const reason = (why: string) => new Error(`scan cancelled: ${why}`);

export function createJobRegistry(): JobRegistry {
  const jobs = new Map<string, RunningJob>();

  function abortWhere(match: (job: RunningJob) => boolean, why: string): number {
    let n = 0;
    for (const job of jobs.values()) {
      if (!match(job)) continue;
      job.controller.abort(reason(why));
      n += 1;
    }
    return n;
  }

  return {
    register(job) {
      jobs.set(job.id, job);
      return () => {
        if (jobs.get(job.id) === job) jobs.delete(job.id);
      };
    },
    cancelConnection: (orgId, connectionId) =>
      abortWhere((j) => j.orgId === orgId && j.connectionId === connectionId, 'connection deleted'),
    cancelOrganizations(orgIds) {
      const set = new Set(orgIds);
      return abortWhere((j) => set.has(j.orgId), 'organisation deleted');
    },
  };
}
