import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Connection, qs } from '../../api.ts';
import { QueryView } from '../../query.tsx';
import { Empty, formatTime } from '../../ui.tsx';
import { StatusBadge } from '../Connections.tsx';
import { connectionKey, connectionPath, type Json, type paths } from './access.ts';

type ScanPage = Json<paths['/v1/orgs/{orgId}/connections/{connId}/scans']['get']['responses']['200']>;
type Scan = ScanPage['items'][number];

const PAGE_SIZE = 20;
/** While a scan of the page is queued or running, the page refreshes at this pace. */
const ACTIVE_POLL_MS = 3000;

const active = (s: Scan) => s.status === 'queued' || s.status === 'running';

/** The waste scans of one connection (scans:read), newest first, with their findings. */
export function ScanHistory({
  orgId,
  conn,
  onFindings,
}: {
  orgId: string;
  conn: Connection;
  /** Opens the findings (the waste findings page). */
  onFindings: () => void;
}) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const scans = useQuery({
    queryKey: connectionKey(orgId, conn.id, 'scans', cursor ?? null),
    queryFn: () =>
      api<ScanPage>('GET', `${connectionPath(orgId, conn.id)}/scans${qs({ limit: PAGE_SIZE, cursor })}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some(active) === true ? ACTIVE_POLL_MS : false),
  });
  return (
    <section aria-labelledby="scans-h">
      <h3 id="scans-h">Scan history</h3>
      <QueryView query={scans} label="Loading scans…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No scans yet. Start one with “Scan for waste” on the Overview tab.</Empty>
          ) : (
            <div className="table-scroll">
              <table data-testid="scan-history">
                <thead>
                  <tr>
                    <th scope="col">Requested</th>
                    <th scope="col">Status</th>
                    <th scope="col">Started</th>
                    <th scope="col">Finished</th>
                    <th scope="col">Regions</th>
                    <th scope="col">Found</th>
                    <th scope="col">Open</th>
                    <th scope="col">Dismissed</th>
                    <th scope="col">Cleaned</th>
                    <th scope="col">Notes</th>
                    <th scope="col">
                      <span className="sr-only">Findings</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((s) => (
                    <tr key={s.id}>
                      <td>{formatTime(s.createdAt)}</td>
                      <td>
                        <StatusBadge status={s.status} />
                      </td>
                      <td>{formatTime(s.startedAt)}</td>
                      <td>{formatTime(s.finishedAt)}</td>
                      <td>
                        {s.progress.regionsDone}/{s.progress.regionsTotal}
                      </td>
                      <td>{s.progress.findings}</td>
                      <td>{s.findings.open}</td>
                      <td>{s.findings.dismissed}</td>
                      <td>{s.findings.cleaned}</td>
                      <td>
                        {s.error !== undefined && (
                          <span className="text-danger">
                            {s.error.message} <code>({s.error.code})</code>
                          </span>
                        )}
                        {s.warnings.length > 0 && (
                          <details>
                            <summary>
                              {s.warnings.length} warning{s.warnings.length === 1 ? '' : 's'}
                            </summary>
                            <ul>
                              {s.warnings.map((w) => (
                                <li key={`${w.region}:${w.detector}:${w.code}`}>
                                  {w.region} {w.detector}: {w.message}
                                </li>
                              ))}
                            </ul>
                          </details>
                        )}
                      </td>
                      <td>
                        {s.findings.open + s.findings.dismissed + s.findings.cleaned > 0 && (
                          <button type="button" className="link" onClick={onFindings}>
                            See findings
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
      <div className="row">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length <= 1 || scans.isFetching}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer scans
        </button>
        <button
          type="button"
          className="secondary"
          disabled={scans.data?.nextCursor == null || scans.isFetching}
          onClick={() => {
            const next = scans.data?.nextCursor;
            if (next != null) setCursors([...cursors, next]);
          }}
        >
          Older scans
        </button>
      </div>
    </section>
  );
}
