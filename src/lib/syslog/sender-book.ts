/**
 * What a syslog receiver has seen of each sender: for the sidebar's table
 * and the node's totals. Senders are untrusted and may be many (a spoofed
 * UDP flood has a new address per datagram), so the book holds at most
 * `maxSenders` rows: the one seen least recently added goes first.
 */

export interface SenderRow {
  address: string;
  protocol: string;
  /** Connections open now (0 for UDP). */
  connections: number;
  messages: number;
  bytes: number;
  /** UDP messages dropped while the flow was full or paused. */
  dropped: number;
  /** Problems counted against this sender: cut or undecodable messages, broken frames, refusals. */
  errors: number;
  /** ms since the epoch. */
  lastSeen: number;
  /** The subject of its verified TLS client certificate. */
  subject?: string;
}

export interface SenderTotals {
  messages: number;
  bytes: number;
  dropped: number;
  errors: number;
  /** Connections or datagrams refused: not among the allowed senders, or over the connection limit. */
  refused: number;
  connections: number;
}

export class SenderBook {
  private readonly rows = new Map<string, SenderRow>();
  readonly totals: SenderTotals = { messages: 0, bytes: 0, dropped: 0, errors: 0, refused: 0, connections: 0 };

  constructor(
    private readonly protocol: string,
    private readonly maxSenders = 10_000,
  ) {}

  /** The row of `address`, made (and the oldest dropped beyond the limit) if new. */
  row(address: string): SenderRow {
    let row = this.rows.get(address);
    if (row) return row;
    if (this.rows.size >= this.maxSenders) {
      // Map order is insertion order: the first key is the oldest row.
      const oldest = this.rows.keys().next();
      if (!oldest.done) this.rows.delete(oldest.value);
    }
    row = { address, protocol: this.protocol, connections: 0, messages: 0, bytes: 0, dropped: 0, errors: 0, lastSeen: Date.now() };
    this.rows.set(address, row);
    return row;
  }

  received(row: SenderRow, messages: number, bytes: number, now: number): void {
    row.messages += messages;
    row.bytes += bytes;
    row.lastSeen = now;
    this.totals.messages += messages;
    this.totals.bytes += bytes;
  }

  dropped(row: SenderRow, messages: number): void {
    row.dropped += messages;
    row.lastSeen = Date.now();
    this.totals.dropped += messages;
  }

  error(row: SenderRow | undefined, count = 1): void {
    if (row) row.errors += count;
    this.totals.errors += count;
  }

  refused(row: SenderRow): void {
    row.errors++;
    row.lastSeen = Date.now();
    this.totals.refused++;
  }

  opened(row: SenderRow): void {
    row.connections++;
    row.lastSeen = Date.now();
    this.totals.connections++;
  }

  closed(row: SenderRow): void {
    row.connections = Math.max(0, row.connections - 1);
    this.totals.connections = Math.max(0, this.totals.connections - 1);
  }

  /** The `limit` busiest senders (most messages first), and how many more there are. */
  busiest(limit: number): { senders: SenderRow[]; more: number } {
    const all = [...this.rows.values()].sort((a, b) => b.messages - a.messages || b.lastSeen - a.lastSeen);
    return { senders: all.slice(0, limit).map((row) => ({ ...row })), more: Math.max(0, all.length - limit) };
  }
}
