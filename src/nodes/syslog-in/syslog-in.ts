/**
 * The syslog-in node: settings in, syslog messages out, as file-tail sends
 * lines (the same `line` / `lines` shapes and delivery tickets), so that
 * micro-batch, the kill switch and log-parse work with it unchanged. The
 * sockets, framing, RELP and backpressure are the engine's
 * (src/lib/syslog/syslog-receiver).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../shared/red';
import { SettingsReader, compactCount } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { MessageIds, downstreamOf, type Output } from '../shared/line-output';
import { followKillSwitch } from '../shared/switch-control';
import { runtimeOf } from '../shared/runtime';
import {
  FRAMINGS,
  LogParser,
  RateMeter,
  ReportThrottle,
  SYSLOG_PROTOCOLS,
  SenderAllowList,
  SyslogReceiver,
  sourceName,
  type ReceivedBatch,
  type ReceiverProblem,
  type ReceiverState,
  type SchemaName,
  type SyslogProtocol,
  type SyslogSender,
  type Ticket,
} from '../../lib/index';
import type { TlsOptions } from 'node:tls';

interface SyslogInDef extends NodeDef {
  protocol?: string;
  host?: string;
  port?: number | string;
  tls?: string;
  clientCert?: string;
  framing?: string;
  output?: string;
  parse?: boolean | string;
  schema?: string;
  timezone?: string;
  allow?: string;
  maxMessageBytes?: number | string;
  maxConnections?: number | string;
  idleTimeout?: number | string;
  recvBufferSize?: number | string;
  killSwitch?: string;
}

/** The core tls-config node: fills in key, cert and ca. */
interface TlsConfigNode extends Node {
  addTLSOptions?(options: TlsOptions): TlsOptions;
}

type ClientCert = 'none' | 'optional' | 'required';

const CLOSE_SETTLE_MS = 10_000;
/** Senders the sidebar lists at most. */
const LISTED_SENDERS = 50;

export default function register(RED: NodeAPI): void {
  const runtime = runtimeOf(RED);

  function SyslogInNode(this: Node, def: SyslogInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const leave = runtime.join();
    const status = new ThrottledStatus(node);
    const settings = new SettingsReader(RED, node);
    const protocol = settings.option<SyslogProtocol>('protocol', def.protocol, SYSLOG_PROTOCOLS, 'udp');
    const output = settings.option<Output>('output', def.output, ['line', 'lines'], 'line');
    const givenPort = settings.number('port', def.port, { fallback: 5514, min: 1, integer: true });
    const port = givenPort <= 65535 ? givenPort : (settings.bad('port', def.port, 5514), 5514);
    const host = typeof def.host === 'string' ? def.host.trim() : '';
    const downstream = downstreamOf(runtime.batchSizes, def, output);
    const ids = new MessageIds();
    const reports = new ReportThrottle();
    const meter = new RateMeter();

    let receiver: SyslogReceiver | undefined;
    let state: ReceiverState | 'error' = 'stopped';
    let lastProblem: string | undefined;
    let engaged = false;
    let closing = false;

    const problemStatus = (key: string) => status.now({ fill: 'red', shape: 'ring', text: RED._(`syslog-in.status.${key}`) });

    function currentStatus() {
      const totals = receiver?.senders.totals;
      if (state === 'paused') return { fill: 'yellow' as const, shape: 'dot' as const, text: RED._('syslog-in.status.paused') };
      if (state === 'full') return { fill: 'yellow' as const, shape: 'ring' as const, text: RED._('syslog-in.status.full') };
      if (totals && totals.dropped > 0) return { fill: 'yellow' as const, shape: 'dot' as const, text: RED._('syslog-in.status.dropped', { count: compactCount(totals.dropped) }) };
      if (totals && totals.messages > 0) return { fill: 'green' as const, shape: 'dot' as const, text: RED._('syslog-in.status.receiving', { count: compactCount(totals.messages) }) };
      return { fill: 'green' as const, shape: 'ring' as const, text: RED._('syslog-in.status.listening', { protocol, port: receiver?.address?.port ?? port }) };
    }

    /** The settings that stop the node from listening at all: each named in an error. */
    function prepare(): { parser: LogParser | undefined; allow: SenderAllowList; tls: { tls: TlsOptions; clientCert: ClientCert } | undefined } | undefined {
      let allow: SenderAllowList;
      try {
        allow = SenderAllowList.parse(typeof def.allow === 'string' ? def.allow : '');
      } catch (err) {
        node.error(RED._('syslog-in.errors.badAllow', { message: messageOf(err) }));
        problemStatus('badSettings');
        return undefined;
      }
      const parse = def.parse === undefined || def.parse === true || def.parse === 'true';
      let parser: LogParser | undefined;
      if (parse) {
        const schema = settings.option<SchemaName>('schema', def.schema, ['ecs', 'native'], 'ecs');
        try {
          parser = new LogParser({ format: 'syslog', schema, timezone: def.timezone });
        } catch (err) {
          node.error(RED._('syslog-in.errors.badParse', { message: messageOf(err) }));
          problemStatus('badSettings');
          return undefined;
        }
      }
      let tls: { tls: TlsOptions; clientCert: ClientCert } | undefined;
      if (protocol === 'tls') {
        tls = tlsOptions();
        if (!tls) return undefined;
      } else if (protocol === 'relp' && def.tls) {
        node.warn(RED._('syslog-in.warnings.relpTls'));
      }
      return { parser, allow, tls };
    }

    function tlsOptions(): { tls: TlsOptions; clientCert: ClientCert } | undefined {
      const config = def.tls ? (RED.nodes.getNode(def.tls) as TlsConfigNode | null) : null;
      const options: TlsOptions = {};
      try {
        config?.addTLSOptions?.(options);
      } catch (err) {
        node.error(RED._('syslog-in.errors.tls', { message: messageOf(err) }));
        problemStatus('noTls');
        return undefined;
      }
      if (!options.key || !options.cert) {
        node.error(RED._('syslog-in.errors.noTls'));
        problemStatus('noTls');
        return undefined;
      }
      const clientCert = settings.option<ClientCert>('clientCert', def.clientCert, ['none', 'optional', 'required'], 'none');
      // The tls-config's "verify" is for servers it connects to: here, client certificates are the node's own setting.
      return { tls: { key: options.key, cert: options.cert, ca: options.ca, passphrase: options.passphrase }, clientCert };
    }

    const prepared = prepare();
    if (prepared) {
      const { parser, allow, tls } = prepared;
      const ecs = parser !== undefined && def.schema !== 'native';
      const payloadOf = (batch: ReceivedBatch): unknown[] => {
        if (!parser) return batch.messages;
        const values = parser.parseBatch(batch.messages, true).values;
        if (ecs) {
          const where = `${batch.sender.address}:${batch.sender.port}`;
          for (const value of values) addSourceAddress(value, where);
        }
        return values;
      };

      const emit = (batch: ReceivedBatch, ticket: Ticket): void => {
        if (!downstream.sends(ticket, runtime.ledger)) return; // closing
        const items = payloadOf(batch);
        // msg.source.bytes: what was received, so that micro-batch need not measure each record (an object's JSON size is costly).
        if (output === 'lines') {
          node.send({ _msgid: ids.next(), topic: 'syslog', payload: items, source: sourceOf(batch.sender, batch.bytes), _ingest: ticket } as NodeMessage);
        } else {
          // One send per message: Node-RED deep-clones every message after the first of one send() call.
          const texts = batch.messages;
          for (let i = 0; i < items.length; i++) {
            const bytes = parser ? Buffer.byteLength(texts[i]) : undefined;
            node.send({ _msgid: ids.next(), topic: 'syslog', payload: items[i], source: sourceOf(batch.sender, bytes), _ingest: ticket } as NodeMessage);
          }
        }
        status.show(currentStatus);
      };

      receiver = new SyslogReceiver(
        {
          protocol,
          host,
          port,
          framing: settings.option('framing', def.framing, FRAMINGS, 'auto'),
          maxMessageBytes: settings.number('maxMessageBytes', def.maxMessageBytes, { fallback: 65536, min: 64, integer: true }),
          maxConnections: settings.number('maxConnections', def.maxConnections, { fallback: 1000, min: 1, integer: true }),
          idleTimeoutMs: settings.seconds('idleTimeout', def.idleTimeout, { fallback: 0, min: 0 }),
          recvBufferSize: def.recvBufferSize === undefined || def.recvBufferSize === '' ? undefined : settings.number('recvBufferSize', def.recvBufferSize, { fallback: 0, min: 1, integer: true }) || undefined,
          allow,
          tls: tls?.tls,
          clientCert: tls?.clientCert,
          sourceId: sourceName(node.id, runtime.nextInstance()),
          ledger: runtime.ledger,
        },
        {
          emit,
          acksPerBatch: (batch) => downstream.acksFor(batch.messages.length),
          creditLines: () => downstream.creditLines(),
          problem: report,
          state(next) {
            state = next;
            if (next === 'stopped') status.now({ fill: 'grey', shape: 'ring', text: RED._('syslog-in.status.stopped') });
            else status.now(currentStatus());
          },
        },
      );
      const started = receiver;
      started.start().then(
        () => {
          if (closing) return;
          if (engaged) started.pause();
        },
        (err: NodeJS.ErrnoException) => {
          state = 'error';
          lastProblem = err.message;
          const key = err.code === 'EADDRINUSE' ? 'portInUse' : err.code === 'EACCES' ? 'noAccess' : 'listenFailed';
          problemStatus(key);
          node.error(RED._(`syslog-in.errors.${key === 'listenFailed' ? 'listen' : key}`, { address: host || '*', port, protocol, message: err.message }));
        },
      );
    }

    function report(problem: ReceiverProblem): void {
      const cause = problem.kind === 'udp-dropped' || problem.kind === 'too-many-connections' ? problem.kind : `${problem.kind}|${problem.sender.address}`;
      const passed = reports.pass(cause);
      if (problem.kind === 'udp-dropped') status.show(currentStatus);
      if (!passed) return;
      const sender = senderText(problem.sender);
      let text: string;
      switch (problem.kind) {
        case 'closed':
          text = RED._('syslog-in.warnings.closed', { sender, problem: problem.detail });
          break;
        case 'cut':
          text = RED._('syslog-in.warnings.cut', { sender, bytes: problem.bytes, max: problem.max });
          break;
        case 'invalid-utf8':
          text = RED._('syslog-in.warnings.invalidUtf8', { sender });
          break;
        case 'refused':
          text = RED._('syslog-in.warnings.refused', { sender });
          break;
        case 'too-many-connections':
          text = RED._('syslog-in.warnings.tooManyConnections', { sender, max: problem.max });
          break;
        case 'tls-handshake':
          text = RED._('syslog-in.warnings.tlsHandshake', { sender, message: problem.message });
          break;
        case 'udp-dropped':
          text = RED._('syslog-in.warnings.udpDropped', { count: receiver?.senders.totals.dropped ?? problem.count });
          break;
      }
      lastProblem = text;
      if (passed.heldBack > 0) text += RED._('syslog-in.warnings.more', { count: passed.heldBack });
      node.warn(text);
    }

    followKillSwitch(RED, node, def.killSwitch, (on) => {
      engaged = on;
      if (!receiver) return;
      if (on) receiver.pause();
      else receiver.unpause();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      downstream.close();
      const current = receiver;
      receiver = undefined;
      void (current ? current.stop(CLOSE_SETTLE_MS) : Promise.resolve())
        .catch(() => undefined)
        .finally(() => {
          status.clear();
          done();
          leave();
        });
    });

    runtime.sources.addSource(node, def, () => {
      const current = receiver;
      if (!current) return { state: state === 'error' ? 'error' : 'stopped', files: [] };
      const totals = current.senders.totals;
      const { senders, more } = current.senders.busiest(LISTED_SENDERS);
      return {
        state,
        files: [],
        listener: {
          protocol,
          address: current.address?.address ?? host,
          port: current.address?.port ?? port,
          connections: current.connectionCount,
          messages: totals.messages,
          messagesPerSecond: meter.sample(totals.messages),
          dropped: totals.dropped,
          errors: totals.errors,
          refused: totals.refused,
          inFlight: current.inFlight,
          lastProblem,
          senders: senders.map((row) => ({ ...row, lastSeen: new Date(row.lastSeen).toISOString() })),
          moreSenders: more,
        },
      };
    });
  }

  RED.nodes.registerType('syslog-in', SyslogInNode as (this: Node, def: never) => void);
}

/** msg.source: a fresh object per message (a node after this one may change it), with the bytes received when known. */
function sourceOf(sender: SyslogSender, bytes: number | undefined): SyslogSender & { bytes?: number } {
  const source: SyslogSender & { bytes?: number } = { address: sender.address, port: sender.port, protocol: sender.protocol };
  if (sender.subject !== undefined) source.subject = sender.subject;
  if (bytes !== undefined) source.bytes = bytes;
  return source;
}

/** "10.1.2.3:514", "[fd00::1]:514". */
function senderText(sender: SyslogSender): string {
  return sender.address.includes(':') ? `[${sender.address}]:${sender.port}` : `${sender.address}:${sender.port}`;
}

/** ECS `log.source.address`, as Filebeat's syslog input sets it: who sent the message. */
function addSourceAddress(value: unknown, address: string): void {
  if (typeof value !== 'object' || value === null || 'raw' in value) return;
  const record = value as { log?: unknown };
  if (typeof record.log !== 'object' || record.log === null) record.log = {};
  (record.log as { source?: unknown }).source = { address };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
