/**
 * Receives syslog over UDP, TCP, TLS or RELP and hands the messages on with
 * a delivery ticket each, as a file source hands on lines (see
 * ingest-ticket): the engine behind a syslog-in node.
 *
 * Backpressure, not loss: a stream connection is no longer read while the
 * lines in flight use up the credit of the batcher after the node, or while
 * the receiver is paused (a kill switch); the sender's own queue then holds
 * its messages. A RELP message is acknowledged to its sender only once its
 * ticket commits (the batch holding it was delivered), so a crash loses
 * nothing the sender sent over RELP. UDP cannot be paused: datagrams that
 * come while full or paused are dropped and counted.
 *
 * Each connection is one "file" of the delivery tracker, its count of
 * messages the offset: commits come per connection, in order.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { isUtf8 } from 'node:buffer';
import { type DeliveryLedger, DeliveryTracker } from '../delivery-ledger';
import type { Ticket } from '../ingest-ticket';
import { waitAtMost } from '../durations';
import { FrameDecoder, type FrameProblem, type Framing, wholeUtf8Length } from './frame-decoder';
import { RELP_SERVER_CLOSE } from './relp-frames';
import { RelpSession, relpAck } from './relp-session';
import type { SenderAllowList } from './sender-allow-list';
import { SenderBook, type SenderRow } from './sender-book';

export type SyslogProtocol = 'udp' | 'tcp' | 'tls' | 'relp';
export const SYSLOG_PROTOCOLS: readonly SyslogProtocol[] = ['udp', 'tcp', 'tls', 'relp'];

/** Who sent a batch of messages. */
export interface SyslogSender {
  address: string;
  port: number;
  protocol: SyslogProtocol;
  /** The subject of the sender's verified TLS client certificate: "CN=host1,O=Example". */
  subject?: string;
}

/** The messages of one read (or one burst of datagrams from one sender). */
export interface ReceivedBatch {
  messages: string[];
  sender: SyslogSender;
  /** Bytes received for them, framing included. */
  bytes: number;
}

export type ReceiverProblem =
  | { kind: 'closed'; sender: SyslogSender; detail: string }
  | { kind: 'cut'; sender: SyslogSender; bytes: number; max: number }
  | { kind: 'invalid-utf8'; sender: SyslogSender; count: number }
  | { kind: 'refused'; sender: SyslogSender }
  | { kind: 'too-many-connections'; sender: SyslogSender; max: number }
  | { kind: 'tls-handshake'; sender: SyslogSender; message: string }
  | { kind: 'udp-dropped'; sender: SyslogSender; count: number };

/** listening; paused (by pause()); full (a connection waits for credit); stopped. */
export type ReceiverState = 'listening' | 'paused' | 'full' | 'stopped';

export interface ReceiverOptions {
  protocol: SyslogProtocol;
  /** '' for every interface. */
  host: string;
  port: number;
  framing: Framing;
  maxMessageBytes: number;
  maxConnections: number;
  /** 0: none. */
  idleTimeoutMs: number;
  /** UDP socket receive buffer; undefined: the system's. */
  recvBufferSize?: number;
  allow: SenderAllowList;
  /** TLS (protocol tls): key, cert, ca. */
  tls?: tls.TlsOptions;
  /** TLS: whether a client certificate is asked for, and whether one the CA signed is required. */
  clientCert?: 'none' | 'optional' | 'required';
  /** Unique per running instance: tickets of an old instance never settle a new one. */
  sourceId: string;
  ledger: DeliveryLedger;
}

export interface ReceiverEvents {
  emit(batch: ReceivedBatch, ticket: Ticket): void;
  /** Acknowledgements the batch's ticket needs (one per batcher after the node and message sent). */
  acksPerBatch(batch: ReceivedBatch): number;
  /** Messages allowed in flight unacknowledged. */
  creditLines(): number;
  problem(problem: ReceiverProblem): void;
  state(state: ReceiverState): void;
}

/** A TLS handshake that has not finished by then fails (a client that opens and says nothing holds a slot). */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * A RELP sender waits for acknowledgements once its window is full (128
 * messages by default); a batcher after the node waits for more messages
 * before it sends. When a RELP connection with messages unacknowledged has
 * been quiet this long, the batchers are asked to send what they hold.
 */
const RELP_QUIET_MS = 10;
/** A closing RELP connection is given this long to take the server's close hint before it is cut. */
const RELP_CLOSE_GRACE_MS = 1000;

/** One stream connection (TCP, TLS or RELP). */
interface Connection {
  key: string;
  socket: net.Socket;
  sender: SyslogSender;
  row: SenderRow;
  frames: FrameDecoder | undefined;
  relp: RelpSession | undefined;
  /** Messages handed on so far: the offset its tickets commit. */
  received: number;
  /** RELP: txnrs of messages handed on and not yet acknowledged, oldest first, and how many were acknowledged before them. */
  unacked: number[];
  acked: number;
  waitingCredit: boolean;
  closed: boolean;
  quiet: NodeJS.Timeout | undefined;
  /** RELP: the answer to the sender's `close`, held until every message before it is acknowledged. */
  closeReply: Buffer | undefined;
}

export class SyslogReceiver {
  readonly senders: SenderBook;
  private readonly tracker: DeliveryTracker;
  private readonly connections = new Map<string, Connection>();
  private server: net.Server | undefined;
  private udp: dgram.Socket | undefined;
  /** UDP datagrams of this turn, per sender, sent as one batch on the next. */
  private readonly bursts = new Map<string, { sender: SyslogSender; row: SenderRow; messages: string[]; bytes: number }>();
  private burstScheduled = false;
  /** Messages in `bursts`: they count against the credit before their ticket is issued. */
  private burstMessages = 0;
  private paused = false;
  private stopping = false;
  private nextConnection = 0;
  private waiting = 0;
  private boundAddress: { address: string; port: number } | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly options: ReceiverOptions,
    private readonly events: ReceiverEvents,
  ) {
    this.senders = new SenderBook(options.protocol);
    this.tracker = new DeliveryTracker(options.sourceId, (key, end) => this.committed(key, end), {
      replay: options.protocol === 'relp' ? 'always' : 'never',
      onAbandon: (key) => this.abandoned(key),
    });
  }

  /** Where it listens, once listening. */
  get address(): { address: string; port: number } | undefined {
    return this.boundAddress;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Messages handed on and not yet acknowledged downstream. */
  get inFlight(): number {
    return this.tracker.outstanding;
  }

  /** Listens; rejects with the socket's error (EADDRINUSE, EACCES…) if it cannot. */
  async start(): Promise<void> {
    this.options.ledger.register(this.tracker);
    this.starting = this.options.protocol === 'udp' ? this.listenUdp() : this.listenStream();
    await this.starting;
    if (!this.stopping) this.events.state(this.paused ? 'paused' : 'listening');
  }

  /** Stops reading every connection (a kill switch); UDP datagrams are dropped and counted meanwhile. */
  pause(): void {
    this.paused = true;
    for (const conn of this.connections.values()) this.applyFlow(conn);
    this.events.state('paused');
  }

  unpause(): void {
    this.paused = false;
    for (const conn of this.connections.values()) this.applyFlow(conn);
    if (!this.stopping) this.events.state(this.waiting > 0 ? 'full' : 'listening');
  }

  /**
   * Stops listening and reading, waits up to `settleMs` for the messages in
   * flight to be delivered (RELP acknowledges them meanwhile), then closes
   * every connection: a RELP sender resends what was not acknowledged.
   */
  async stop(settleMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // A stop right after the start (a quick redeploy) waits for the socket, or the port would stay taken.
    await this.starting?.catch(() => undefined);
    const closed = this.closeListeners();
    for (const conn of this.connections.values()) this.applyFlow(conn);
    this.flushBursts();
    this.tracker.close();
    if (this.tracker.outstanding > 0) this.options.ledger.requestFlush(this.options.sourceId);
    await waitAtMost(this.tracker.whenDrained(), settleMs);
    this.options.ledger.unregister(this.tracker);
    for (const conn of [...this.connections.values()]) this.closeConnection(conn);
    await closed;
    this.events.state('stopped');
  }

  // --- listening ---------------------------------------------------------

  private async listenStream(): Promise<void> {
    const { protocol, maxConnections } = this.options;
    const server =
      protocol === 'tls'
        ? // Certificates are checked here, not by the TLS layer: a refused client is then counted and named (the layer drops it without its address).
          tls.createServer({ ...this.options.tls, requestCert: (this.options.clientCert ?? 'none') !== 'none', rejectUnauthorized: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, (socket) => this.accepted(socket))
        : net.createServer((socket) => this.accepted(socket));
    server.maxConnections = maxConnections;
    // Before the TLS handshake: a sender that is not allowed gets nothing of it.
    server.prependListener('connection', (socket: net.Socket) => {
      if (this.allowed(socket)) return;
      socket.destroy();
    });
    server.on('drop', (data?: { remoteAddress?: string; remotePort?: number }) => {
      const sender = this.senderOf(data?.remoteAddress, data?.remotePort);
      this.senders.refused(this.senders.row(sender.address));
      this.events.problem({ kind: 'too-many-connections', sender, max: maxConnections });
    });
    server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      // Refused before the handshake (see allowed): its address is gone, and it was counted there.
      if (!socket.remoteAddress) return;
      const sender = this.senderOf(socket.remoteAddress, socket.remotePort);
      this.senders.error(this.senders.row(sender.address));
      this.events.problem({ kind: 'tls-handshake', sender, message: err.message });
    });
    server.on('error', () => undefined); // after listening: a socket's error, handled where it happens
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.options.port, host: this.options.host || undefined }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const bound = server.address();
    if (bound && typeof bound === 'object') this.boundAddress = { address: bound.address, port: bound.port };
  }

  private async listenUdp(): Promise<void> {
    const host = this.options.host;
    const type = host === '' || host.includes(':') ? 'udp6' : 'udp4';
    try {
      this.udp = await this.bindUdp(type, host === '' ? '::' : host);
    } catch (err) {
      // A machine without IPv6: every interface is every IPv4 one.
      if (host !== '' || !isAddressFamilyError(err)) throw err;
      this.udp = await this.bindUdp('udp4', '0.0.0.0');
    }
    const bound = this.udp.address();
    this.boundAddress = { address: bound.address, port: bound.port };
  }

  private bindUdp(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
    const { recvBufferSize } = this.options;
    const socket = dgram.createSocket({ type, recvBufferSize });
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(err);
      });
      socket.bind({ port: this.options.port, address }, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        socket.on('message', (data, info) => this.datagram(data, info));
        resolve(socket);
      });
    });
  }

  private closeListeners(): Promise<void> {
    const waits: Promise<void>[] = [];
    const server = this.server;
    if (server) waits.push(new Promise((resolve) => server.close(() => resolve())));
    const udp = this.udp;
    if (udp) waits.push(new Promise((resolve) => udp.close(() => resolve())));
    this.server = undefined;
    this.udp = undefined;
    return Promise.all(waits).then(() => undefined);
  }

  // --- UDP ---------------------------------------------------------------

  private datagram(data: Buffer, info: dgram.RemoteInfo): void {
    if (this.stopping) return;
    const address = unmapped(info.address);
    if (!this.options.allow.allows(address)) {
      const sender: SyslogSender = { address, port: info.port, protocol: 'udp' };
      this.senders.refused(this.senders.row(address));
      this.events.problem({ kind: 'refused', sender });
      return;
    }
    const key = `${address}|${info.port}`;
    let burst = this.bursts.get(key);
    if (!burst) {
      const sender: SyslogSender = { address, port: info.port, protocol: 'udp' };
      burst = { sender, row: this.senders.row(address), messages: [], bytes: 0 };
      this.bursts.set(key, burst);
    }
    if (this.paused || this.tracker.creditInUse + this.burstMessages >= Math.max(1, this.events.creditLines())) {
      this.senders.dropped(burst.row, 1);
      this.events.problem({ kind: 'udp-dropped', sender: burst.sender, count: 1 });
      return;
    }
    const text = this.datagramText(data, burst.sender, burst.row);
    if (text === undefined) return;
    burst.messages.push(text);
    burst.bytes += data.length;
    this.burstMessages++;
    if (!this.burstScheduled) {
      this.burstScheduled = true;
      setImmediate(() => this.flushBursts());
    }
  }

  /**
   * A datagram's message: an octet count before it that matches its length
   * dropped (`logger --udp --octet-count` frames datagrams too), trailing
   * line ends and NULs dropped, cut to the limit, decoded.
   */
  private datagramText(data: Buffer, sender: SyslogSender, row: SenderRow): string | undefined {
    const start = octetCountLength(data);
    let end = data.length;
    while (end > start && (data[end - 1] === 0x0a || data[end - 1] === 0x0d || data[end - 1] === 0)) end--;
    if (end === start) return undefined;
    const max = this.options.maxMessageBytes;
    if (end - start > max) {
      this.senders.error(row);
      this.events.problem({ kind: 'cut', sender, bytes: end - start, max });
      end = start + wholeUtf8Length(data.subarray(start, start + max));
    }
    const body = data.subarray(start, end);
    if (!isUtf8(body)) {
      this.senders.error(row);
      this.events.problem({ kind: 'invalid-utf8', sender, count: 1 });
    }
    return body.toString('utf8');
  }

  private flushBursts(): void {
    this.burstScheduled = false;
    this.burstMessages = 0;
    const now = Date.now();
    for (const burst of this.bursts.values()) {
      if (burst.messages.length === 0) continue;
      this.senders.received(burst.row, burst.messages.length, burst.bytes, now);
      const batch: ReceivedBatch = { messages: burst.messages, sender: burst.sender, bytes: burst.bytes };
      const ticket = this.tracker.issue('udp', 0, batch.messages.length, this.events.acksPerBatch(batch));
      this.events.emit(batch, ticket);
    }
    this.bursts.clear();
  }

  // --- streams -----------------------------------------------------------

  private allowed(socket: net.Socket): boolean {
    const address = unmapped(socket.remoteAddress ?? '');
    if (!this.stopping && this.options.allow.allows(address)) return true;
    if (this.stopping) return false;
    const sender: SyslogSender = { address, port: socket.remotePort ?? 0, protocol: this.options.protocol };
    this.senders.refused(this.senders.row(address));
    this.events.problem({ kind: 'refused', sender });
    return false;
  }

  private accepted(socket: net.Socket): void {
    // Refused in allowed(), which runs first: destroyed by then.
    if (socket.destroyed) return;
    const { protocol, maxMessageBytes, framing, idleTimeoutMs } = this.options;
    const sender = this.senderOf(socket.remoteAddress, socket.remotePort);
    if (socket instanceof tls.TLSSocket) {
      if (this.options.clientCert === 'required' && !socket.authorized) {
        const reason = socket.authorizationError ? String(socket.authorizationError) : 'no client certificate';
        this.senders.error(this.senders.row(sender.address));
        this.events.problem({ kind: 'tls-handshake', sender, message: `client certificate refused: ${reason}` });
        socket.destroy();
        return;
      }
      const subject = socket.authorized ? subjectOf(socket.getPeerCertificate()) : undefined;
      if (subject) sender.subject = subject;
    }
    const row = this.senders.row(sender.address);
    if (sender.subject) row.subject = sender.subject;
    const conn: Connection = {
      key: `c${++this.nextConnection}`,
      socket,
      sender,
      row,
      frames: protocol === 'relp' ? undefined : new FrameDecoder({ framing, maxMessageBytes }),
      relp: protocol === 'relp' ? new RelpSession({ maxMessageBytes, software: 'node-red-log-ingest' }) : undefined,
      received: 0,
      unacked: [],
      acked: 0,
      waitingCredit: false,
      closed: false,
      quiet: undefined,
      closeReply: undefined,
    };
    this.connections.set(conn.key, conn);
    this.senders.opened(row);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(conn, chunk));
    socket.on('end', () => this.ended(conn));
    socket.on('error', () => undefined); // a reset: 'close' follows
    socket.on('close', () => this.forgetConnection(conn));
    if (idleTimeoutMs > 0) {
      socket.setTimeout(idleTimeoutMs, () => {
        // Not read because of us (paused, waiting for credit), or a RELP sender waiting for acknowledgements: not the sender's idleness.
        if (this.paused || conn.waitingCredit || conn.unacked.length > 0) return;
        this.drop(conn, `no data for ${idleTimeoutMs / 1000} s`);
      });
    }
    this.applyFlow(conn);
  }

  private read(conn: Connection, chunk: Buffer): void {
    if (conn.closed) return;
    if (conn.relp) this.readRelp(conn, chunk);
    else if (conn.frames) this.afterDecode(conn, conn.frames.push(chunk), chunk.length);
  }

  private ended(conn: Connection): void {
    if (conn.frames && !conn.closed) this.afterDecode(conn, conn.frames.end(), 0);
    // A RELP sender that half-closes without `close` gets its acknowledgements as they come: its socket stays until they are sent or it closes.
    if (!conn.relp) conn.socket.end();
  }

  private afterDecode(conn: Connection, result: { messages: string[]; problems: FrameProblem[]; invalidUtf8: number; fatal: boolean }, bytes: number): void {
    if (result.invalidUtf8 > 0) {
      this.senders.error(conn.row, result.invalidUtf8);
      this.events.problem({ kind: 'invalid-utf8', sender: conn.sender, count: result.invalidUtf8 });
    }
    let fatal: string | undefined;
    for (const problem of result.problems) {
      this.senders.error(conn.row);
      if (problem.kind === 'cut') this.events.problem({ kind: 'cut', sender: conn.sender, bytes: problem.bytes, max: problem.max });
      else fatal = problem.kind === 'incomplete' ? `the connection ended ${problem.bytes} bytes into an octet-counted message` : `bad octet count: ${problem.detail}`;
    }
    if (result.messages.length > 0) this.deliver(conn, result.messages, bytes);
    else if (bytes > 0) conn.row.lastSeen = Date.now();
    if (result.fatal) this.drop(conn, fatal ?? 'framing error');
  }

  private readRelp(conn: Connection, chunk: Buffer): void {
    const session = conn.relp!;
    const messages: string[] = [];
    let invalid = 0;
    let reply: Buffer | undefined;
    let closing: { reason: string; detail?: string } | undefined;
    for (const event of session.push(chunk)) {
      if (event.kind === 'message') {
        messages.push(event.text);
        conn.unacked.push(event.txnr);
        if (event.invalidUtf8) invalid++;
        if (event.cutFrom !== undefined) {
          this.senders.error(conn.row);
          this.events.problem({ kind: 'cut', sender: conn.sender, bytes: event.cutFrom, max: this.options.maxMessageBytes });
        }
      } else if (event.kind === 'reply') {
        if (reply) conn.socket.write(reply);
        reply = event.bytes;
      } else {
        closing = event;
        break;
      }
    }
    if (invalid > 0) {
      this.senders.error(conn.row, invalid);
      this.events.problem({ kind: 'invalid-utf8', sender: conn.sender, count: invalid });
    }
    if (messages.length > 0) this.deliver(conn, messages, chunk.length);
    if (closing?.reason === 'client-close') {
      // The sender closes: its close is answered once every message before it is acknowledged (a sender that reads the answer as the end would send again what had no acknowledgement yet).
      conn.closeReply = reply ?? Buffer.alloc(0);
      this.endWhenAcknowledged(conn);
      return;
    }
    if (reply) conn.socket.write(reply);
    if (closing) {
      this.senders.error(conn.row);
      this.drop(conn, `RELP: ${closing.detail ?? 'protocol error'}`);
      return;
    }
    if (conn.unacked.length > 0) this.armQuiet(conn);
  }

  private endWhenAcknowledged(conn: Connection): void {
    if (conn.closeReply === undefined || conn.unacked.length > 0) {
      if (conn.unacked.length > 0) this.armQuiet(conn);
      return;
    }
    const reply = conn.closeReply;
    conn.closeReply = undefined;
    conn.socket.end(reply);
  }

  private deliver(conn: Connection, messages: string[], bytes: number): void {
    this.senders.received(conn.row, messages.length, bytes, Date.now());
    conn.received += messages.length;
    const batch: ReceivedBatch = { messages, sender: conn.sender, bytes };
    // Issued before it is sent: with nothing to acknowledge it, it commits at once (and RELP acknowledges it).
    const ticket = this.tracker.issue(conn.key, conn.received, messages.length, this.events.acksPerBatch(batch));
    this.events.emit(batch, ticket);
    // The messages just sent count in full however many they are (see TailSession.deliver).
    const credit = Math.max(this.events.creditLines(), messages.length);
    if (this.tracker.creditInUse > credit && !conn.waitingCredit) this.waitForCredit(conn, credit);
  }

  private waitForCredit(conn: Connection, credit: number): void {
    conn.waitingCredit = true;
    if (this.waiting++ === 0 && !this.paused) this.events.state('full');
    this.applyFlow(conn);
    // Messages that wait for a batcher's timer: a RELP sender may be waiting for their acknowledgements to send more.
    if (conn.relp) this.options.ledger.requestSend(this.options.sourceId);
    void this.tracker.whenBelow(credit).then(() => {
      conn.waitingCredit = false;
      if (--this.waiting === 0 && !this.paused && !this.stopping) this.events.state('listening');
      this.applyFlow(conn);
    });
  }

  /** Reads a connection unless paused, waiting for credit or stopping. */
  private applyFlow(conn: Connection): void {
    if (conn.closed) return;
    if (this.paused || conn.waitingCredit || this.stopping) conn.socket.pause();
    else conn.socket.resume();
  }

  private armQuiet(conn: Connection): void {
    if (conn.quiet) {
      conn.quiet.refresh();
      return;
    }
    conn.quiet = setTimeout(() => {
      if (conn.closed || conn.unacked.length === 0 || this.stopping) return;
      this.options.ledger.requestSend(this.options.sourceId);
    }, RELP_QUIET_MS);
    conn.quiet.unref();
  }

  /** Messages of `key` up to its `end`-th were delivered: RELP acknowledges them. */
  private committed(key: string, end: number): void {
    const conn = this.connections.get(key);
    if (!conn || !conn.relp || conn.closed) return;
    const count = Math.min(end - conn.acked, conn.unacked.length);
    if (count <= 0) return;
    const txnrs = conn.unacked.splice(0, count);
    conn.acked += count;
    conn.socket.write(count === 1 ? relpAck(txnrs[0]) : Buffer.concat(txnrs.map(relpAck)));
    if (conn.closeReply !== undefined) this.endWhenAcknowledged(conn);
  }

  /**
   * A batch holding messages of `key` was not delivered and will not be:
   * a RELP connection is closed (its sender resends what it has not had
   * acknowledged); other messages are lost, and the connection's later
   * tickets need not wait for them.
   */
  private abandoned(key: string): void {
    const conn = this.connections.get(key);
    if (conn && conn.relp) this.closeConnection(conn);
    queueMicrotask(() => this.tracker.forget(key));
  }

  /** Closes a connection for a problem of its own, and reports it. */
  private drop(conn: Connection, detail: string): void {
    if (conn.closed) return;
    this.events.problem({ kind: 'closed', sender: conn.sender, detail });
    conn.closed = true;
    conn.socket.destroy();
  }

  private closeConnection(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    const socket = conn.socket;
    if (conn.relp && !socket.destroyed) {
      socket.end(RELP_SERVER_CLOSE);
      setTimeout(() => socket.destroy(), RELP_CLOSE_GRACE_MS).unref();
    } else {
      socket.destroy();
    }
  }

  private forgetConnection(conn: Connection): void {
    conn.closed = true;
    if (conn.quiet) clearTimeout(conn.quiet);
    if (this.connections.delete(conn.key)) this.senders.closed(conn.row);
    // Its messages still in flight settle as they come; once they have, nothing of it is left in the tracker.
  }

  private senderOf(address: string | undefined, port: number | undefined): SyslogSender {
    return { address: unmapped(address ?? ''), port: port ?? 0, protocol: this.options.protocol };
  }
}

/**
 * The length of an RFC 6587 octet count at the start of a datagram ("78 "),
 * when the count is exactly what follows it; 0 otherwise.
 */
function octetCountLength(data: Buffer): number {
  let digits = 0;
  let count = 0;
  while (digits < 10 && digits < data.length && data[digits] >= 0x30 && data[digits] <= 0x39) {
    count = count * 10 + (data[digits] - 0x30);
    digits++;
  }
  if (digits === 0 || data[0] === 0x30 || data[digits] !== 0x20) return 0;
  return count === data.length - digits - 1 ? digits + 1 : 0;
}

/** '::ffff:10.1.2.3' → '10.1.2.3': an IPv4 sender on a dual-stack socket, as it would be written. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function isAddressFamilyError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL' || code === 'EINVAL';
}

/** "CN=client1,O=Example": the subject's fields in the certificate's order. */
function subjectOf(cert: tls.PeerCertificate | undefined): string | undefined {
  const subject = cert?.subject as Record<string, string | string[]> | undefined;
  if (!subject) return undefined;
  const parts = Object.entries(subject).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}=${v}`));
  return parts.length > 0 ? parts.join(',') : undefined;
}
