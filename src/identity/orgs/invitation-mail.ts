import nodemailer from 'nodemailer';
import type { Role } from '../rbac.ts';

/**
 * Invitation e-mails, sent when SMTP is configured (ROLEGATE_SMTP_URL) and the deployment's public
 * origin is known (ROLEGATE_PUBLIC_URL). The link is built from that configured origin only, never
 * from the request's Host header, so a forged Host cannot put a phishing link into a real e-mail.
 * The token travels in the link's fragment (`/invite#token=…`), which browsers do not send to the
 * server.
 */
export interface InvitationMailer {
  /** True when the SMTP server accepted the message; false (logged) when it did not. */
  send(input: { to: string; orgName: string; role: Role; token: string; expiresAt: Date }): Promise<boolean>;
}

export function createInvitationMailer(deps: {
  smtpUrl: string;
  from: string;
  publicUrl: string;
  /** Told when a message could not be sent (no secret in it: not the token, not the SMTP URL). */
  onError: (reason: string) => void;
}): InvitationMailer {
  // Bounded waits: an unreachable SMTP server must not hold the API request for long.
  const url = new URL(deps.smtpUrl);
  url.searchParams.set('connectionTimeout', '10000');
  url.searchParams.set('greetingTimeout', '10000');
  url.searchParams.set('socketTimeout', '20000');
  const transport = nodemailer.createTransport(url.toString());
  return {
    async send({ to, orgName, role, token, expiresAt }) {
      const link = `${deps.publicUrl}/invite#token=${encodeURIComponent(token)}`;
      const text = [
        `You were invited to join the organisation "${orgName}" on Rolegate as ${role}.`,
        '',
        `Open this link to sign up (or log in) with this e-mail address and join: ${link}`,
        '',
        `The invitation expires on ${expiresAt.toISOString()} and works once.`,
        'If you did not expect it, ignore this message.',
      ].join('\n');
      try {
        await transport.sendMail({
          from: deps.from,
          to,
          subject: `Invitation to ${orgName} on Rolegate`,
          text,
        });
        return true;
      } catch (err) {
        deps.onError(err instanceof Error ? err.name : 'unknown error');
        return false;
      }
    },
  };
}
