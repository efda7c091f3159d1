/**
 * The delivery ticket: how a source marks the messages it sends, and how a
 * batcher after it says they left. This module is the only one that knows
 * the ticket's shape.
 *
 * - A source (file-tail, dir-watch) sends each message with `msg._ingest`
 *   set to a ticket `{ source, seq }`: `source` names one running instance
 *   of the source node ("<node id>#<instance>"), `seq` one chunk of lines.
 *   Every message of a chunk carries the same ticket.
 * - A batcher (micro-batch) reads the ticket with `readTicket` and, once the
 *   batch holding the message has been delivered, settles it with
 *   `settleTicket`: "delivered" (one acknowledgement) or "abandoned" (not
 *   sent; the source reads the lines again after a restart).
 * - A ticket whose source has stopped, or that nobody settles, changes
 *   nothing: the lines are simply not committed.
 *
 * A ticket is plain data so that it survives Node-RED's cloning of messages
 * (a message sent on several wires is deep-copied).
 */
import type { DeliveryLedger } from './delivery-ledger';

export interface Ticket {
  readonly source: string;
  readonly seq: number;
}

/** The message property a ticket travels in. */
export const TICKET_PROPERTY = '_ingest';

/** What became of a ticketed message at a batcher. */
export type TicketOutcome = 'delivered' | 'abandoned';

/** The name of one running instance of a source node: "<node id>#<instance>". */
export function sourceName(nodeId: string, instance: number): string {
  return `${nodeId}#${instance}`;
}

/** The node id in a source name (the whole name when it has no instance). */
export function sourceNodeId(source: string): string {
  const hash = source.lastIndexOf('#');
  return hash < 0 ? source : source.slice(0, hash);
}

/**
 * The ticket a message property carries, if it is a valid one: the value
 * itself, not a copy (this runs once per message).
 */
export function readTicket(value: unknown): Ticket | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ticket = value as { source?: unknown; seq?: unknown };
  return typeof ticket.source === 'string' && typeof ticket.seq === 'number' ? (value as Ticket) : undefined;
}

/**
 * A batcher's answer for `messages` ticketed messages it handled (each
 * counts one acknowledgement), all carrying `ticket`.
 */
export function settleTicket(ledger: DeliveryLedger, ticket: Ticket, outcome: TicketOutcome, messages = 1): void {
  if (outcome === 'abandoned') ledger.abandon(ticket);
  else ledger.settle(ticket, messages);
}

/**
 * A batcher's word that `messages` ticketed messages were acknowledged but
 * are not settled yet: their lines stop counting against the source's
 * credit (see DeliveryTracker.release).
 */
export function releaseTicket(ledger: DeliveryLedger, ticket: Ticket, messages = 1): void {
  ledger.release(ticket, messages);
}
