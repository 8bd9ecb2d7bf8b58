/**
 * Server state of the console: every read goes through TanStack Query (cache, background refresh,
 * retry of 503 with Retry-After), every change through a mutation that invalidates what it changed.
 *
 * Query keys start with the organisation they belong to, so that switching organisations never
 * shows another organisation's cached data and one invalidation refreshes an area:
 *   ['org', orgId, 'connections']            the list
 *   ['org', orgId, 'connections', connId]     one connection (and below it, its own resources)
 *   ['me', …]                                 the signed-in user's own data
 */
import { QueryClient, type UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from './api.ts';
import { Busy, ErrorBox } from './ui.tsx';

/** How many times a read is retried when the server says it is briefly unavailable. */
const MAX_RETRIES = 3;
/** Longest wait between retries, whatever Retry-After says: the user is looking at a spinner. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Only answers that say "try again" are retried: 503 (a dependency is briefly down; the API sends
 * Retry-After), 429 with Retry-After, and network failures (fetch throws a TypeError). A 4xx is
 * the final answer: retrying a 403 or a 404 only delays the message the user needs.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= MAX_RETRIES) return false;
  if (error instanceof ApiError) {
    return error.status === 503 || (error.status === 429 && error.retryAfter !== null);
  }
  return error instanceof TypeError;
}

/** Retry-After when the server sent it, otherwise exponential back-off from 1 s. */
export function retryDelay(failureCount: number, error: unknown): number {
  if (error instanceof ApiError && error.retryAfter !== null) {
    return Math.min(error.retryAfter * 1000, MAX_RETRY_DELAY_MS);
  }
  return Math.min(1000 * 2 ** failureCount, MAX_RETRY_DELAY_MS);
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        retryDelay,
        // Lists stay fresh for a few seconds (switching views does not refetch at once); a window
        // that regains focus refreshes them in the background.
        staleTime: 5_000,
        refetchOnWindowFocus: true,
      },
      // A change is never retried automatically: the user decides whether to try again.
      mutations: { retry: false },
    },
  });
}

/**
 * The one busy / error / data pattern of a read: a spinner while the first answer is pending, the
 * API's error (message, code, request ID) when it failed, otherwise the children with the data.
 * A background refresh keeps showing the data it already has.
 */
export function QueryView<T>({
  query,
  label,
  children,
}: {
  query: UseQueryResult<T>;
  label: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Busy label={label} />;
  if (query.isError) return <ErrorBox error={query.error} />;
  return <>{children(query.data)}</>;
}

/** The error of a mutation, if its last attempt failed (shown beside the form that made it). */
export function MutationError({ mutation }: { mutation: { error: unknown } }) {
  return <ErrorBox error={mutation.error ?? null} />;
}
