/**
 * The engine's front door: everything the Node-RED nodes use of src/lib,
 * and nothing else. The modules behind it do not know Node-RED.
 *
 * Reading files: DirectoryTail (a folder) and TailSession (one file) follow
 * files and hand over chunks of lines with a delivery ticket each;
 * PositionBook is the one owner of how far each file was delivered, and the
 * checkpoint is its serialization.
 * Delivering: ingest-ticket is the ticket protocol between sources and
 * batchers; DeliveryLedger finds a source's tracker by ticket; MicroBatcher
 * makes batches.
 * Parsing: LogParser reads lines in one of the formats of parse/ (or detects
 * it per line) into native or ECS objects. docs/ARCHITECTURE.md has the whole map.
 */
export { DirectoryTail, type FileEvent } from './directory-tail';
export type { DiscoveryMode } from './discovery';
export { TailSession, type TailSessionOptions } from './tail-session';
export type { FollowerError, FollowerNotice, FollowerState, ResumePoint } from './file-follower';
export type { LineChunk, MultilineSettings, SplitterSettings } from './file-reader';
export { MULTILINE_MODES, recordRule, type MultilineMode } from './multiline-rules';
export { CheckpointStore, type CheckpointProblem } from './checkpoint-store';
export { PositionBook } from './position-book';
export { type FileSnapshot, type LastError, lastErrorAt } from './file-snapshot';

export { sourceName, sourceNodeId, readTicket, settleTicket, releaseTicket, TICKET_PROPERTY, type Ticket, type TicketOutcome } from './ingest-ticket';
export { DeliveryLedger } from './delivery-ledger';
export {
  MicroBatcher,
  systemClock,
  groupOf,
  handBackReplayable,
  settleBatchShares,
  type AddOptions,
  type Batch,
  type BatcherOptions,
  type BatchSettler,
  type BatchShares,
  type Clock,
  type FlushReason,
  type RecordGroup,
  type SettleOutcome,
} from './micro-batcher';

export { AckWindow, AckRouter, BatchIds, type AckWindowOptions, type AnswerResult, type Attempt, type WindowSettle } from './ack-window';
export { judge, type SuccessRule, type Verdict } from './ack-verdict';
export { RecordStarts, batchRecordStarts, recordIdsOf, recordStartsOf, type BatchStarts } from './record-ids';
export { KillSwitch, KillSwitchRegistry, type SwitchChange, type SwitchState } from './kill-switch-state';
export { PathPolicy, readAllowedPaths } from './path-policy';
export { MAX_TIMER_MS, clampDelay } from './durations';
export { RateMeter } from './rate-meter';
export { maxOpenFilesWithin, openFileLimit } from './open-file-limit';
export { printable } from './printable-text';
export { PROMETHEUS_CONTENT_TYPE, formatMetrics, type MetricFamily, type MetricSample } from './prometheus-text';
export { LogParser, PARSER_FORMATS, SCHEMAS, type BatchResult, type LineFailure, type LineResult, type LogParserOptions, type ParserFormat } from './parse/log-parser';
export type { FormatName, ParseError, SchemaName } from './parse/format-types';
export { isKnownTimezone } from './parse/timestamps';

// Receiving syslog over the network: framing (RFC 6587), RELP, and who may send.
export { FrameDecoder, FRAMINGS, MAX_OCTET_COUNT, type DecodeResult, type FrameProblem, type Framing } from './syslog/frame-decoder';
export { RelpSession, relpAck, type RelpEvent } from './syslog/relp-session';
export { RELP_SERVER_CLOSE } from './syslog/relp-frames';
export { SenderAllowList } from './syslog/sender-allow-list';
export {
  SyslogReceiver,
  SYSLOG_PROTOCOLS,
  type ReceivedBatch,
  type ReceiverEvents,
  type ReceiverOptions,
  type ReceiverProblem,
  type ReceiverState,
  type SyslogProtocol,
  type SyslogSender,
} from './syslog/syslog-receiver';
export { ReportThrottle } from './report-throttle';
