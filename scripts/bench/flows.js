'use strict';
// The flows the benchmark deploys. Every flow has the same measuring parts:
//
// - a *sink* (function node) at the end of the pipeline that counts records
//   and characters and notes the time (Date.now(), the clock the benchmark
//   shares with Node-RED) when it saw the first record, the last one, and
//   the moment the characters received reached `markChars`;
// - optionally a *probe* (function node) right after the tail node that
//   reads the write time stamped into each line and keeps now - then;
// - two HTTP endpoints: POST /bench/reset (new sink/probe state) and
//   GET /bench/stats (that state), so measuring happens inside Node-RED and
//   neither start-up nor HTTP polling is counted.
//
// Characters rather than lines decide "done": a reader that splits a line in
// two (node-red-node-tail does when it reads while the line is being written)
// delivers the same characters in more records.
const crypto = require('crypto');

const id = () => crypto.randomBytes(8).toString('hex');

const INITIAL_SINK = (markChars) =>
  `{ count: 0, chars: 0, batches: 0, first: 0, last: 0, mark: 0, markCount: 0, markChars: ${markChars} }`;

const SINK_FN = `
// Records that arrive before any reset (a backlog read at start) count too.
const s = global.get('benchSink') || ${INITIAL_SINK(0)};
const p = msg.payload;
const now = Date.now();
let n = 1, chars = 0;
if (Array.isArray(p)) {
  n = p.length;
  chars = context.get('charsOf')(p);
} else if (typeof p === 'string') {
  chars = p.length;
}
if (s.count === 0) s.first = now;
s.count += n;
s.chars += chars;
s.batches++;
s.last = now;
if (s.mark === 0 && s.markChars > 0 && s.chars >= s.markChars) {
  s.mark = now;
  s.markCount = s.count;
}
global.set('benchSink', s);
return null;
`;

// Defined once, when the sink starts: the function body above is a new
// closure for every message, so a loop in it would run unoptimised and the
// instrument would cost more per line than some of the pipelines it measures.
const SINK_INIT = `
context.set('charsOf', function charsOf(lines) {
  let chars = 0;
  for (let i = 0; i < lines.length; i++) chars += lines[i].length;
  return chars;
});
`;

const PROBE_FN = `
const s = global.get('benchProbe');
if (!s) return null;
const now = Date.now();
const p = msg.payload;
const lines = Array.isArray(p) ? p : [p];
for (let i = 0; i < lines.length; i++) {
  const line = lines[i];
  // Whole probe lines only (99 characters): a fragment of a split line has no usable stamp.
  if (typeof line !== 'string' || line.length !== 99 || !line.startsWith('ts=')) { s.other++; continue; }
  const sp = line.indexOf(' ');
  s.lat.push(now - Number(line.slice(3, sp)));
}
global.set('benchProbe', s);
return null;
`;

const RESET_FN = `
const b = (msg.payload && typeof msg.payload === 'object') ? msg.payload : {};
global.set('benchSink', ${INITIAL_SINK("Number(b.markChars) || 0")});
global.set('benchProbe', { lat: [], other: 0 });
msg.payload = { ok: true, now: Date.now() };
return msg;
`;

const STATS_FN = `
const probe = global.get('benchProbe');
msg.payload = { now: Date.now(), sink: global.get('benchSink') || null, probe: probe || null };
return msg;
`;

// The records sink (the events scenario): counts what arrives as records,
// one per array element whatever the element is (a line, a multiline record,
// a parsed object), and decides "done" on that count: parsed objects have no
// characters to count, and a parser gives one object per line. It keeps the
// first record it sees (to check what came out) and counts, apart, what a
// node's second output (log-parse's lines that failed) sent to its twin.
const INITIAL_RECORDS_SINK = (markRecords) =>
  `{ count: 0, failed: 0, batches: 0, first: 0, last: 0, mark: 0, markCount: 0, markRecords: ${markRecords}, sample: null }`;

const recordsSinkFn = (failedOutput, countErrors = false) => `
const s = global.get('benchSink') || ${INITIAL_RECORDS_SINK(0)};
const p = msg.payload;
const now = Date.now();
const n = Array.isArray(p) ? p.length : 1;
if (s.count === 0) {
  s.first = now;
  s.sample = Array.isArray(p) ? p[0] : p;
}
s.count += n;
${failedOutput ? 's.failed += n;' : ''}${countErrors ? "if (Array.isArray(p)) s.failed += context.get('errorsOf')(p);" : ''}
s.batches++;
s.last = now;
if (s.mark === 0 && s.markRecords > 0 && s.count >= s.markRecords) {
  s.mark = now;
  s.markCount = s.count;
}
global.set('benchSink', s);
return null;
`;

// Records that say they failed ({ raw, error }, as syslog-in sends a message
// that does not parse) among an array, counted by a function defined once
// (see SINK_INIT).
const ERRORS_INIT = `
context.set('errorsOf', function errorsOf(records) {
  let failed = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r !== null && typeof r === 'object' && r.error !== undefined && r.raw !== undefined) failed++;
  }
  return failed;
});
`;

const RECORDS_RESET_FN = `
const b = (msg.payload && typeof msg.payload === 'object') ? msg.payload : {};
global.set('benchSink', ${INITIAL_RECORDS_SINK('Number(b.markRecords) || 0')});
msg.payload = { ok: true, now: Date.now() };
return msg;
`;

/**
 * The endpoints and the records sink (see recordsSinkFn): returns {nodes,
 * sinkId, failedSinkId}. POST /bench/reset takes {markRecords}. With
 * `countErrors` the sink also counts, as failed, records that say they failed.
 */
function recordsMeasuringNodes(z, { countErrors = false } = {}) {
  const m = measuringNodes(z);
  const failedSinkId = id();
  const nodes = m.nodes
    .filter((n) => n.id !== m.probeId)
    .map((n) => {
      if (n.id === m.sinkId) return { ...n, name: 'bench records sink', func: recordsSinkFn(false, countErrors), initialize: countErrors ? ERRORS_INIT : '' };
      if (n.name === 'reset') return { ...n, func: RECORDS_RESET_FN };
      return n;
    });
  nodes.push({ id: failedSinkId, type: 'function', z, name: 'bench failed sink', func: recordsSinkFn(true), outputs: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 700, y: 160, wires: [] });
  return { nodes, sinkId: m.sinkId, failedSinkId };
}

/** The endpoints and the sink: returns {nodes, sinkId, probeId}. */
function measuringNodes(z) {
  const sinkId = id();
  const probeId = id();
  const resetFn = id();
  const statsFn = id();
  const resp1 = id();
  const resp2 = id();
  const nodes = [
    { id: sinkId, type: 'function', z, name: 'bench sink', func: SINK_FN, outputs: 0, noerr: 0, initialize: SINK_INIT, finalize: '', libs: [], x: 700, y: 100, wires: [] },
    { id: probeId, type: 'function', z, name: 'bench probe', func: PROBE_FN, outputs: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 500, y: 200, wires: [] },
    { id: id(), type: 'http in', z, name: '', url: '/bench/reset', method: 'post', upload: false, swaggerDoc: '', x: 120, y: 300, wires: [[resetFn]] },
    { id: resetFn, type: 'function', z, name: 'reset', func: RESET_FN, outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 300, wires: [[resp1]] },
    { id: resp1, type: 'http response', z, name: '', statusCode: '', headers: {}, x: 500, y: 300, wires: [] },
    { id: id(), type: 'http in', z, name: '', url: '/bench/stats', method: 'get', upload: false, swaggerDoc: '', x: 120, y: 360, wires: [[statsFn]] },
    { id: statsFn, type: 'function', z, name: 'stats', func: STATS_FN, outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 360, wires: [[resp2]] },
    { id: resp2, type: 'http response', z, name: '', statusCode: '', headers: {}, x: 500, y: 360, wires: [] },
  ];
  return { nodes, sinkId, probeId };
}

/** Core join in manual mode: arrays of `count` messages, or what came within `timeout` s. */
function joinNode(z, batchSize, timeoutS) {
  return {
    type: 'join',
    z,
    name: '',
    mode: 'custom',
    build: 'array',
    property: 'payload',
    propertyType: 'msg',
    key: 'topic',
    joiner: '\\n',
    joinerType: 'str',
    useparts: false,
    accumulate: false,
    timeout: String(timeoutS),
    count: String(batchSize),
    reduceRight: false,
    reduceExp: '',
    reduceInit: '',
    reduceInitType: '',
    reduceFixup: '',
    x: 400,
    y: 100,
  };
}

function tab(label) {
  return { id: id(), type: 'tab', label, disabled: false, info: '' };
}

/**
 * This pack: file-tail -> micro-batch -> sink (and file-tail -> probe when
 * `probe`). `output` is file-tail's 'line' or 'lines'.
 */
function packFlow({ file, output, startAt = 'end', batchSize, timeoutS, probe = false }) {
  const t = tab(`bench: file-tail (${output}) -> micro-batch`);
  const m = measuringNodes(t.id);
  const batchId = id();
  const tail = fileTailNode(t.id, { file, output, startAt }, probe ? [batchId, m.probeId] : [batchId]);
  const batch = { id: batchId, type: 'micro-batch', z: t.id, name: '', interval: timeoutS, maxSize: batchSize, maxBytes: 0, keepArrays: false, x: 400, y: 100, wires: [[m.sinkId]] };
  return [t, tail, batch, ...m.nodes];
}

/** This pack's file-tail node, the same in every file-tail pipeline, wired to `wires` (its one output). */
function fileTailNode(z, { file, output, startAt }, wires) {
  return {
    id: id(),
    type: 'file-tail',
    z,
    name: '',
    path: file,
    startAt,
    output,
    encoding: 'utf8',
    delimiter: '\\n',
    idleFlush: 1,
    pollInterval: 1,
    maxLineBytes: 1048576,
    longLines: 'cut',
    x: 120,
    y: 100,
    wires: [wires],
  };
}

/**
 * This pack with acknowledged delivery: file-tail -> micro-batch (delivery
 * "ack", two outputs: batches and given up) -> batch-ack (success "any") ->
 * sink. A batch counts as delivered only once batch-ack has answered for it,
 * so the sink sees what was acknowledged; the micro-batch keeps its default
 * window (4 batches in flight, 30 s ack timeout, retry for ever). With a
 * micro-batch in ack mode wired after it, file-tail also says where each line
 * starts (msg.file.lineOffsets) and micro-batch gives each line a stable id
 * (msg.batch.ids): that per-line work is part of what this pipeline measures.
 */
function packAckFlow({ file, output, startAt = 'end', batchSize, timeoutS, maxInFlight = 4, ackTimeoutS = 30 }) {
  const t = tab(`bench: file-tail (${output}) -> micro-batch (ack) -> batch-ack`);
  const m = measuringNodes(t.id);
  const batchId = id();
  const ackId = id();
  const tail = fileTailNode(t.id, { file, output, startAt }, [batchId]);
  const batch = {
    id: batchId,
    type: 'micro-batch',
    z: t.id,
    name: '',
    interval: timeoutS,
    maxSize: batchSize,
    maxBytes: 0,
    keepArrays: false,
    delivery: 'ack',
    ackTimeout: ackTimeoutS,
    ackTimeoutType: 'num',
    maxInFlight,
    maxInFlightType: 'num',
    retries: 0,
    retriesType: 'num',
    outputs: 2,
    x: 400,
    y: 100,
    wires: [[ackId], []],
  };
  const ack = { id: ackId, type: 'batch-ack', z: t.id, name: '', success: 'any', x: 550, y: 100, wires: [[m.sinkId]] };
  return [t, tail, batch, ack, ...m.nodes];
}

/** The peer: node-red-node-tail -> core join (manual, array, count, timeout) -> sink. */
function peerFlow({ file, batchSize, timeoutS, probe = false }) {
  const t = tab('bench: node-red-node-tail -> join');
  const m = measuringNodes(t.id);
  const joinId = id();
  const tail = {
    id: id(),
    type: 'tail',
    z: t.id,
    name: '',
    filetype: 'text',
    split: '[\\r]{0,1}\\n',
    filename: file,
    inputs: 0,
    x: 120,
    y: 100,
    wires: [probe ? [joinId, m.probeId] : [joinId]],
  };
  const join = { ...joinNode(t.id, batchSize, timeoutS), id: joinId, wires: [[m.sinkId]] };
  return [t, tail, join, ...m.nodes];
}

/**
 * The events scenario: file-tail (output "lines", multiline records when
 * `multiline` is a mode) -> micro-batch -> [log-parse `parse` = {format,
 * schema}] -> records sink; log-parse's second output (lines that failed)
 * -> the failed sink, which counts them too.
 */
function eventsFlow({ file, multiline, multilineTimeoutS = 5, parse, batchSize, timeoutS }) {
  const label = `file-tail (lines${multiline ? `, multiline ${multiline}` : ''}) -> micro-batch${parse ? ` -> log-parse (${parse.format}, ${parse.schema})` : ''}`;
  const t = tab(`bench: ${label}`);
  const m = recordsMeasuringNodes(t.id);
  const batchId = id();
  const parseId = id();
  const tail = fileTailNode(t.id, { file, output: 'lines', startAt: 'end' }, [batchId]);
  // Only the file's change event (after the one write of the burst) starts the
  // read: a safety-net poll landing inside the write would start it early and
  // make a rate counted from the end of the write too high.
  tail.pollInterval = 60;
  if (multiline) Object.assign(tail, { multiline, multilineStart: '', multilineMaxLines: 500, multilineTimeout: multilineTimeoutS });
  const batch = { id: batchId, type: 'micro-batch', z: t.id, name: '', interval: timeoutS, maxSize: batchSize, maxBytes: 0, keepArrays: false, x: 400, y: 100, wires: [[parse ? parseId : m.sinkId]] };
  const nodes = [t, tail, batch, ...m.nodes];
  if (parse) {
    nodes.push({
      id: parseId,
      type: 'log-parse',
      z: t.id,
      name: '',
      format: parse.format,
      schema: parse.schema,
      timezone: 'UTC',
      onError: 'output2',
      property: 'payload',
      outputs: 2,
      x: 550,
      y: 100,
      wires: [[m.sinkId], [m.failedSinkId]],
    });
  }
  return nodes;
}

/**
 * The syslog scenario: a TCP syslog receiver on 127.0.0.1:`port` ->
 * micro-batch (`batchSize`, `timeoutS`) -> records sink. `receiver` is
 * 'syslog-in' (this pack: framing auto, output lines, `parse` off or on with
 * schema ECS), 'peer' (bench-syslog-peer, see syslog-peer-node) or 'tcp-in'
 * (Node-RED's core tcp in: stream of strings split at '\n', one message per
 * line).
 */
function syslogFlow({ receiver, port, parse = false, batchSize, timeoutS }) {
  const labels = { 'syslog-in': `syslog-in (tcp, lines, parse ${parse ? 'ECS' : 'off'})`, peer: 'bench-syslog-peer', 'tcp-in': 'tcp in' };
  const t = tab(`bench: ${labels[receiver]} -> micro-batch`);
  const m = recordsMeasuringNodes(t.id, { countErrors: receiver === 'syslog-in' && parse });
  const batchId = id();
  const at = { id: id(), z: t.id, name: '', x: 120, y: 100, wires: [[batchId]] };
  let source;
  if (receiver === 'syslog-in') {
    source = {
      ...at,
      type: 'syslog-in',
      protocol: 'tcp',
      host: '127.0.0.1',
      port,
      tls: '',
      clientCert: 'none',
      framing: 'auto',
      output: 'lines',
      parse,
      schema: 'ecs',
      timezone: '',
      allow: '',
      maxMessageBytes: 65536,
      maxConnections: 1000,
      idleTimeout: 0,
      recvBufferSize: '',
      killSwitch: '',
    };
  } else if (receiver === 'peer') {
    source = { ...at, type: 'bench-syslog-peer', address: '127.0.0.1', port: String(port) };
  } else if (receiver === 'tcp-in') {
    source = { ...at, type: 'tcp in', server: 'server', host: '', port: String(port), datamode: 'stream', datatype: 'utf8', newline: '\\n', topic: '', trim: false, base64: false, tls: '' };
  } else throw new Error(`unknown receiver ${receiver}`);
  const batch = { id: batchId, type: 'micro-batch', z: t.id, name: '', interval: timeoutS, maxSize: batchSize, maxBytes: 0, keepArrays: false, x: 400, y: 100, wires: [[m.sinkId]] };
  return [t, source, batch, ...m.nodes];
}

/**
 * This pack's dir-watch (config {path, pattern, recursive, startAt, output},
 * two outputs: lines, events) -> micro-batch -> sink.
 */
function dirWatchFlow({ dir, output, startAt = 'end', batchSize, timeoutS }) {
  const t = tab(`bench: dir-watch (${output}) -> micro-batch`);
  const m = measuringNodes(t.id);
  const batchId = id();
  const watch = {
    id: id(),
    type: 'dir-watch',
    z: t.id,
    name: '',
    path: dir,
    pattern: '*.log',
    recursive: false,
    startAt,
    output,
    x: 120,
    y: 100,
    wires: [[batchId], []],
  };
  const batch = { id: batchId, type: 'micro-batch', z: t.id, name: '', interval: timeoutS, maxSize: batchSize, maxBytes: 0, keepArrays: false, x: 400, y: 100, wires: [[m.sinkId]] };
  return [t, watch, batch, ...m.nodes];
}

/**
 * Node-RED's own floor for one message per line: the bench-floor helper node
 * (scripts/bench/floor-node) sends ready-made lines when POST /bench/floor
 * {lines} arrives, one message each, into micro-batch or join -> sink.
 */
function floorFlow({ next, batchSize, timeoutS }) {
  const t = tab(`bench: floor (one message per line) -> ${next}`);
  const m = measuringNodes(t.id);
  const srcId = id();
  const midId = id();
  const okFn = id();
  const okResp = id();
  const mid =
    next === 'join'
      ? { ...joinNode(t.id, batchSize, timeoutS), id: midId, wires: [[m.sinkId]] }
      : { id: midId, type: 'micro-batch', z: t.id, name: '', interval: timeoutS, maxSize: batchSize, maxBytes: 0, keepArrays: false, x: 400, y: 100, wires: [[m.sinkId]] };
  return [
    t,
    { id: id(), type: 'http in', z: t.id, name: '', url: '/bench/floor', method: 'post', upload: false, swaggerDoc: '', x: 120, y: 40, wires: [[srcId, okFn]] },
    { id: okFn, type: 'function', z: t.id, name: 'ok', func: 'msg.payload = { ok: true };\nreturn msg;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 40, wires: [[okResp]] },
    { id: okResp, type: 'http response', z: t.id, name: '', statusCode: '', headers: {}, x: 500, y: 40, wires: [] },
    { id: srcId, type: 'bench-floor', z: t.id, name: '', x: 120, y: 100, wires: [[midId]] },
    mid,
    ...m.nodes,
  ];
}

/** Nothing but the measuring endpoints (to ask an idle runtime which types it has). */
function emptyFlow() {
  const t = tab('bench: idle');
  return [t, ...measuringNodes(t.id).nodes];
}

/**
 * The many-files scenario's two flows on one tab with the same measuring
 * nodes: `before` has only those, `after` adds a recursive dir-watch (start
 * at beginning) -> micro-batch -> sink, so that deploying `after` over
 * `before` (deployment type "nodes") starts only the new nodes.
 */
function manyFilesFlows({ dir, batchSize, timeoutS }) {
  const t = tab('bench: dir-watch over many files -> micro-batch');
  const m = measuringNodes(t.id);
  const batchId = id();
  const watch = {
    id: id(),
    type: 'dir-watch',
    z: t.id,
    name: '',
    path: dir,
    pattern: '*.log',
    recursive: true,
    startAt: 'beginning',
    output: 'lines',
    x: 120,
    y: 100,
    wires: [[batchId], []],
  };
  const batch = { id: batchId, type: 'micro-batch', z: t.id, name: '', interval: timeoutS, maxSize: batchSize, maxBytes: 0, keepArrays: false, x: 400, y: 100, wires: [[m.sinkId]] };
  return { before: [t, ...m.nodes], after: [t, watch, batch, ...m.nodes], watchId: watch.id };
}

module.exports = { packFlow, packAckFlow, peerFlow, floorFlow, dirWatchFlow, emptyFlow, manyFilesFlows, eventsFlow, syslogFlow };
