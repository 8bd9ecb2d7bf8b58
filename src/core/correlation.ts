import { LRUCache } from 'lru-cache';
import type { AuditWriter } from '../audit/types.ts';

// The audit side of correlation ids, with no HTTP in it: the core owns the registry and the audit
// writer that reads it; the HTTP layer (src/http/request-id.ts) fills it for requests in flight.

/** Correlation ids of requests in flight, by request id, for the audit writer (bounded). */
export interface CorrelationIds {
  of(requestId: string): string | undefined;
}

const IN_FLIGHT_MAX = 10_000;

/** The in-flight requests' correlation ids: filled by the HTTP layer, read by the audit writer. */
export interface CorrelationRegistry extends CorrelationIds {
  set(requestId: string, correlationId: string): void;
  delete(requestId: string): void;
}

export function createCorrelationRegistry(): CorrelationRegistry {
  const inFlight = new LRUCache<string, string>({ max: IN_FLIGHT_MAX });
  return {
    of: (requestId) => inFlight.get(requestId),
    set: (requestId, correlationId) => void inFlight.set(requestId, correlationId),
    delete: (requestId) => void inFlight.delete(requestId),
  };
}

/**
 * The audit writer, with the client's correlation id of the record's request added to its details
 * (`details.correlationId`). The request id itself stays Rolegate's own.
 */
export function withCorrelationIds(writer: AuditWriter, correlations: CorrelationIds): AuditWriter {
  return {
    record(db, event, options) {
      const correlationId = event.requestId == null ? undefined : correlations.of(event.requestId);
      if (correlationId === undefined) return writer.record(db, event, options);
      return writer.record(db, { ...event, details: { ...event.details, correlationId } }, options);
    },
  };
}
