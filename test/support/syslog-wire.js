'use strict';
// Raw syslog clients for tests: a free port, TCP and UDP senders, and a
// minimal RELP client that records the acknowledgements it gets.
const net = require('net');
const dgram = require('dgram');

/** A port free on 127.0.0.1 now (UDP and TCP both). */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address();
        server.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** Connects to 127.0.0.1:`port`; resolves with the socket once connected. */
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `data` over one TCP connection and ends it; resolves once it is closed. */
async function tcpSend(port, data) {
  const socket = await connect(port);
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.end(data);
  await closed;
}

/** Sends `data` over one TCP connection and keeps it open: resolves once the server closes it. */
async function sendUntilClosed(port, data) {
  const socket = await connect(port);
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write(data);
  await closed;
}

/** Sends each of `messages` as one datagram to 127.0.0.1:`port`. */
async function udpSend(port, messages) {
  const socket = dgram.createSocket('udp4');
  for (const message of messages) {
    await new Promise((resolve, reject) => socket.send(Buffer.from(message), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  await new Promise((resolve) => socket.close(resolve));
}

/** `text` framed with its octet count (RFC 6587). */
function octetFrame(text) {
  return `${Buffer.byteLength(text)} ${text}`;
}

/**
 * A RELP client: `open()`, then `send(text)` for each message; `acked` holds
 * the txnrs the server acknowledged with 200, in the order they came, and
 * `untilAcked(n)` resolves once n have been.
 */
class RelpClient {
  constructor(socket) {
    this.socket = socket;
    this.txnr = 0;
    this.acked = [];
    this.replies = [];
    this.buffer = '';
    this.waiters = [];
    this.closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => this.onData(chunk));
  }

  static async connect(port) {
    return new RelpClient(await connect(port));
  }

  frame(command, data) {
    const txnr = ++this.txnr;
    this.socket.write(this.encode(txnr, command, data));
    return txnr;
  }

  encode(txnr, command, data) {
    const body = Buffer.from(data);
    return body.length > 0 ? Buffer.concat([Buffer.from(`${txnr} ${command} ${body.length} `), body, Buffer.from('\n')]) : Buffer.from(`${txnr} ${command} 0\n`);
  }

  /** Sends `texts` as syslog frames in one write; returns their txnrs. */
  sendAll(texts) {
    const txnrs = texts.map(() => ++this.txnr);
    this.socket.write(Buffer.concat(texts.map((text, i) => this.encode(txnrs[i], 'syslog', text))));
    return txnrs;
  }

  async open() {
    const txnr = this.frame('open', 'relp_version=0\nrelp_software=test,1.0\ncommands=syslog');
    this.openTxnr = txnr;
    await this.until(() => this.replies.some((r) => r.txnr === txnr));
    return this.replies.find((r) => r.txnr === txnr);
  }

  send(text) {
    return this.frame('syslog', text);
  }

  close() {
    this.closeTxnr = this.frame('close', '');
    return this.closeTxnr;
  }

  untilAcked(n) {
    return this.until(() => this.acked.length >= n);
  }

  until(pred) {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  onData(chunk) {
    this.buffer += chunk.toString('latin1');
    for (;;) {
      const m = /^(\d+) (\w+) (\d+)[ \n]?/.exec(this.buffer);
      if (!m) break;
      const length = Number(m[3]);
      const start = m[0].length;
      if (this.buffer.length < start + length + (length > 0 ? 1 : 0)) break;
      const data = length > 0 ? this.buffer.slice(start, start + length) : '';
      this.buffer = this.buffer.slice(start + length + (length > 0 ? 1 : 0));
      const reply = { txnr: Number(m[1]), command: m[2], data };
      this.replies.push(reply);
      if (reply.command === 'rsp' && data.startsWith('200') && reply.txnr > 0 && reply.txnr !== this.openTxnr && reply.txnr !== this.closeTxnr) {
        this.acked.push(reply.txnr);
        this.onAck?.(reply.txnr);
      }
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }
}

module.exports = { freePort, connect, tcpSend, sendUntilClosed, udpSend, octetFrame, RelpClient };
