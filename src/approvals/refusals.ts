/**
 * A refused approval-side action as `security.refused` evidence, whoever refused it: the chat
 * hook (a bad signature, an unknown user, a validator's no) or the CLI (a validator's no to a
 * signed update). The server keeps no trace of an update its validator rejected, so the sender
 * records it. One rule decides the chain: only a verified sender may file a record under a
 * promotion's security chain; unverified noise goes to `security:<fallback>`, so nobody can
 * create chains by sending garbage.
 */
import type { Actor, EvidenceInput } from '../domain/evidence.js';
import { controlsFor } from '../../workflows/controls.js';

export interface RefusedAction {
  /** What was refused and why, as the sender is told. */
  reason: string;
  /** The kind of refusal, e.g. `bad-signature`, `refused-by-workflow`. */
  refusal: string;
  channel: Actor['channel'];
  /** Who sent it, once known. */
  principal?: string;
  /** How the sender was verified (`ed25519:<keyId>`, a platform signature); unset if not. */
  verifiedBy?: string;
  chatIdentity?: Actor['chatIdentity'];
  promotionId?: string;
  stage?: string;
  /** The chain for records whose sender was not verified or named no promotion. */
  fallbackChain: string;
  /** More of what the refusing side knows (a request summary, an HTTP status); never secrets. */
  details?: Record<string, unknown>;
}

export function refusalRecord(r: RefusedAction, time = new Date()): Omit<EvidenceInput, 'seq'> {
  const promotionId = r.verifiedBy ? r.promotionId : undefined;
  return {
    chainId: `security:${promotionId ?? r.fallbackChain}`,
    promotionId: promotionId ?? r.fallbackChain,
    ...(r.stage ? { stage: r.stage } : {}),
    type: 'security.refused',
    actor: {
      id: r.principal ?? 'unknown',
      channel: r.channel,
      ...(r.verifiedBy ? { verifiedBy: r.verifiedBy } : {}),
      ...(r.chatIdentity ? { chatIdentity: r.chatIdentity } : {}),
    },
    time: time.toISOString(),
    data: {
      reason: r.reason,
      refusal: r.refusal,
      channel: r.channel,
      ...(r.principal ? { actor: r.principal } : {}),
      ...r.details,
    },
    controls: controlsFor('security.refused'),
  };
}
