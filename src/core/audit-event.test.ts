import { describe, expect, it } from 'vitest';
import { systemActor } from './actor.ts';
import { auditEventFor } from './audit-event.ts';

const user = {
  type: 'user' as const,
  id: 'usr_1',
  orgId: 'org_1',
  requestId: 'req_1',
  ip: '203.0.113.7',
  userAgent: 'curl/8',
};

describe('auditEventFor', () => {
  it('names the organisation, actor, request, address and agent; success by default', () => {
    expect(auditEventFor(user, 'api_key.revoked', { type: 'api_key', id: 'key_1' })).toEqual({
      orgId: 'org_1',
      actorType: 'user',
      actorId: 'usr_1',
      action: 'api_key.revoked',
      outcome: 'success',
      targetType: 'api_key',
      targetId: 'key_1',
      requestId: 'req_1',
      ip: '203.0.113.7',
      userAgent: 'curl/8',
    });
  });

  it('leaves the target out when there is none, and lets extra override any field', () => {
    const event = auditEventFor(user, 'audit.exported', null, {
      orgId: 'org_2',
      outcome: 'denied',
      details: { a: 1 },
    });
    expect(event).not.toHaveProperty('targetType');
    expect(event).not.toHaveProperty('targetId');
    expect(event).toMatchObject({ orgId: 'org_2', outcome: 'denied', details: { a: 1 } });
  });

  it('records a system actor without actor id, address or agent: it has no client', () => {
    const event = auditEventFor(
      systemActor('connections', 'sys-expire-con_1', 'org_1'),
      'connection.expired',
      {
        type: 'connection',
        id: 'con_1',
      },
    );
    expect(event).toMatchObject({
      orgId: 'org_1',
      actorType: 'system',
      actorId: null,
      requestId: 'sys-expire-con_1',
      ip: null,
      userAgent: null,
    });
  });
});
