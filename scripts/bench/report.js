'use strict';
// The benchmark's output: a plain-text table for the terminal and the same
// figures as Markdown, written into docs/BENCHMARKS.md between the markers
// <!-- bench:results:start --> and <!-- bench:results:end --> (the rest of
// that file is prose and is left alone).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { resolveNodeRedDir, nodeRedInfo } = require('../../test/support/node-red-process');
const { envPrefix } = require('./common');

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function machineInfo() {
  const cpus = os.cpus();
  let nodeRed = 'unknown';
  try {
    nodeRed = nodeRedInfo(resolveNodeRedDir()).version;
  } catch {
    /* reported as unknown */
  }
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    /* os.release() it is */
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: (cpus[0] && cpus[0].model.replace(/\s+/g, ' ').trim()) || 'unknown CPU',
    cores: cpus.length,
    memGB: Math.round(os.totalmem() / 1024 ** 3),
    kernel,
    node: process.version,
    nodeRed,
    peer: pkgVersion('node-red-node-tail'),
    tailLib: pkgVersion('tail'),
    rsyslog: null,
  };
}

const M = (x) => (Number.isFinite(x) ? `${(x / 1e6).toFixed(2)} M` : 'n/a');
const X = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
const MS = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
const MB = (x) => (Number.isFinite(x) ? `${Math.round(x)} MB` : 'n/a');
const PCT = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} %` : 'n/a');

const NAMES = {
  'pack-lines': 'this pack: file-tail (lines) -> micro-batch',
  'pack-line': 'this pack: file-tail (line) -> micro-batch',
  'pack-ack-lines': 'this pack: file-tail (lines) -> micro-batch (ack) -> batch-ack',
  peer: 'peer: node-red-node-tail -> join',
  'compare-lines': 'BENCH_COMPARE_DIR build: file-tail (lines) -> micro-batch',
  'compare-line': 'BENCH_COMPARE_DIR build: file-tail (line) -> micro-batch',
  'compare-ack-lines': 'BENCH_COMPARE_DIR build: file-tail (lines) -> micro-batch (ack) -> batch-ack',
  'floor-mb': 'Node-RED floor: 1 msg per ready-made line -> micro-batch',
  'floor-join': 'Node-RED floor: 1 msg per ready-made line -> join',
  'compare-floor-mb': 'BENCH_COMPARE_DIR build: floor -> micro-batch',
  rsyslog: 'rsyslog imfile -> omfile (C daemon)',
  'read-split': 'plain Node.js read-and-split loop',
  'read-split-resident': 'the same loop, resident, woken by file events',
  'events-plain': 'file-tail (lines) -> micro-batch',
  'events-syslog': 'file-tail (lines) -> micro-batch -> log-parse (syslog, ECS)',
  'events-plain-mixed': 'file-tail (lines) -> micro-batch',
  'events-auto': 'file-tail (lines) -> micro-batch -> log-parse (auto, ECS)',
  'multiline-none': 'file-tail (lines, no multiline) -> micro-batch',
  'multiline-java': 'file-tail (lines, multiline java) -> micro-batch',
  'syslog-in': 'this pack: syslog-in (tcp, framing auto, lines, parse off)',
  'syslog-in-ecs': 'this pack: syslog-in (tcp, framing auto, lines, parse on, ECS)',
  'syslog-peer': 'peer: simple-syslog-server node, 1 msg per message (as node-red-contrib-syslog-input)',
  'syslog-tcp-in': 'Node-RED core tcp in (stream, split at \\n, 1 msg per line)',
  'syslog-rsyslog': 'rsyslog imtcp -> omfile %rawmsg% (C daemon, no micro-batch)',
  'syslog-count': 'plain Node.js server counting LFs (the ceiling here, no micro-batch)',
};

/** The events scenario's subjects: which file, and the pipeline without the step that each is measured against. */
const EVENTS_ROWS = [
  { name: 'events-plain', file: 'syslog' },
  { name: 'events-syslog', file: 'syslog', baseline: 'events-plain' },
  { name: 'events-plain-mixed', file: 'mixed' },
  { name: 'events-auto', file: 'mixed', baseline: 'events-plain-mixed' },
  { name: 'multiline-none', file: 'java' },
  { name: 'multiline-java', file: 'java', baseline: 'multiline-none' },
];
/** The syslog scenario's subjects, in the order of its table. */
const SYSLOG_ROWS = ['syslog-in', 'syslog-in-ecs', 'syslog-peer', 'syslog-tcp-in', 'syslog-rsyslog', 'syslog-count'];
const EVENTS_PARSED = new Set(['events-syslog', 'events-auto']);
const EVENTS_FILE_LABEL = { syslog: 'syslog', mixed: 'mixed formats', java: 'Java log' };

/**
 * A throughput subject's lines/s counted from the end of the benchmark's
 * write (the time base the loop has); the floor rows, which write nothing,
 * from the request that starts them.
 */
function endRate(r) {
  return r.drainRate === undefined ? r.rate : r.drainRate;
}

/** Rows of tables: [{title, head, rows, note}] built from the results. */
function sections(results) {
  const out = [];
  const t = results.throughput;
  if (t) {
    const peer = t.subjects.peer && endRate(t.subjects.peer);
    const loop = t.subjects['read-split'] && endRate(t.subjects['read-split']);
    const peerCpu = t.subjects.peer && t.subjects.peer.perCpu;
    const rows = [];
    for (const name of ['pack-lines', 'pack-ack-lines', 'pack-line', 'compare-lines', 'compare-ack-lines', 'compare-line', 'peer', 'floor-mb', 'floor-join', 'compare-floor-mb', 'rsyslog', 'read-split', 'read-split-resident']) {
      const r = t.subjects[name];
      if (!r) {
        if (name === 'rsyslog') {
          const why = results.settings.rsyslog ? results.meta.rsyslogSkipped || 'rsyslogd not installed' : 'BENCH_RSYSLOG=0';
          rows.push([NAMES[name], `skipped (${why})`, '', '', '', '', '']);
        }
        continue;
      }
      // The floor rows write no file: they are timed from the request that starts them.
      const fromStart = r.drainRate === undefined ? '' : `${M(r.rate)} lines/s`;
      const rate = endRate(r);
      // The machines are shared: the range of the runs says how far the median can be trusted.
      const range = r.endRates ? ` (${M(Math.min(...r.endRates))} to ${M(Math.max(...r.endRates))})` : '';
      rows.push([NAMES[name], `${M(rate)} lines/s${range}`, X(rate / peer), X(rate / loop), fromStart, `${M(r.perCpu)}`, X(r.perCpu / peerCpu)]);
    }
    out.push({
      scenario: 'throughput',
      title: `1. Throughput: a burst of ${t.lines.toLocaleString('en-US')} lines of 100 bytes, batches of ${results.settings.batchSize} (median of ${t.runs} runs)`,
      head: ['pipeline', 'lines/s from the end of the write, median (range)', 'vs peer', 'vs loop', 'lines/s from the start of the write', 'lines per CPU-s', 'CPU-s vs peer'],
      rows,
    });
  }
  const l = results.latency;
  if (l) {
    const rows = [];
    for (const name of ['pack-lines', 'pack-line', 'peer']) {
      const r = l.subjects[name];
      if (!r) continue;
      rows.push([NAMES[name].replace(/ -> (micro-batch|join)$/, ''), MS(r.p50), MS(r.p99), MS(r.max), `${r.samples}/${r.written}`]);
    }
    out.push({
      scenario: 'latency',
      title: `2. Latency from write to the tail node's output at ${l.rate} lines/s (${l.seconds} s per run, median of ${l.runs} runs)`,
      head: ['tail node', 'p50', 'p99', 'max', 'lines seen'],
      rows,
    });
  }
  const b = results.backlog;
  if (b) {
    const rows = [];
    for (const name of ['pack-lines', 'peer']) {
      const r = b.subjects[name];
      if (!r) continue;
      const label = name === 'peer' ? `${NAMES.peer} (1 GiB appended at once; 1 run)` : `${NAMES[name]} (start at beginning)`;
      rows.push([label, MB(r.peakMB), MS(r.httpMaxMs), r.aborted ? `stopped: ${r.aborted}` : `${M(r.rate)} lines/s`]);
    }
    out.push({
      scenario: 'backlog',
      title: `3. Backlog of ${b.mb} MiB (${b.lines.toLocaleString('en-US')} lines): peak RSS and longest HTTP answer (median of runs)`,
      head: ['pipeline', 'peak RSS', 'longest HTTP answer', 'read at'],
      rows,
    });
  }
  const d = results.dirwatch;
  if (d) {
    out.push({
      scenario: 'dirwatch',
      title: d.skipped
        ? '4. dir-watch'
        : `4. dir-watch (lines) -> micro-batch over ${d.files} files, ${d.lines.toLocaleString('en-US')} lines round-robin (median of ${d.runs.length} runs)`,
      head: ['measure', 'value'],
      rows: d.skipped
        ? [['dir-watch not available', 'skipped: the pack registers no "dir-watch" node type']]
        : [
            ['throughput', `${M(d.rate)} lines/s`],
            [`CPU with all ${d.files} files idle for ${d.idle.seconds} s`, `${PCT(d.idle.cpuPercent)} of one core`],
            ['peak RSS of the Node-RED process', MB(d.idle.peakMB)],
            ...(d.idle.baselinePercent === undefined
              ? []
              : [[`CPU of a Node-RED with no dir-watch (only the measuring flow), idle for ${d.idle.seconds} s`, `${PCT(d.idle.baselinePercent)} of one core`]]),
          ],
    });
  }
  const mf = results.manyfiles;
  if (mf) {
    const range = (st, fmt) => `${fmt(st.median)} (${fmt(st.min)} to ${fmt(st.max)})`;
    const s1 = (ms) => `${(ms / 1000).toFixed(1)} s`;
    const kb = (x) => `${x.toFixed(1)} KB`;
    out.push({
      scenario: 'manyfiles',
      title: mf.skipped
        ? '5. dir-watch picking up many files'
        : `5. dir-watch (recursive, start at beginning) picking up ${mf.files.toLocaleString('en-US')} files in ${mf.folders} folders, ${mf.linesPerFile} lines each (median and range of ${mf.runs.length} runs)`,
      head: ['measure', 'median (range)'],
      rows: mf.skipped
        ? [['dir-watch not available', 'skipped']]
        : [
            ['from deploy until every line of every file has arrived', range(mf.pickupMs, s1)],
            ['CPU time of the Node-RED process meanwhile', range(mf.pickupCpu, (x) => `${x.toFixed(1)} CPU-s`)],
            [`RSS per file after ${mf.idleSeconds} s idle (RSS - the same process's RSS before the deploy) / files`, range(mf.kbPerFile, kb)],
            ['RSS of the Node-RED process, idle', range(mf.idleMB, MB)],
            ['peak RSS of the Node-RED process', range(mf.peakMB, MB)],
            [`CPU with every file idle, over the next ${mf.cpuSeconds} s`, range(mf.idleCpuPercent, PCT) + ' of one core'],
          ],
    });
  }
  const ev = results.events;
  if (ev) {
    // Parsed lines go at tens of thousands a second: M with two decimals would say 0.03 M for all of them.
    const K = (x, unitOf = x) => (Number.isFinite(x) && unitOf < 1e5 ? `${(x / 1e3).toFixed(1)} k` : M(x));
    const range = (st) => `${K(st.median)} (${K(st.min, st.median)} to ${K(st.max, st.median)})`;
    const rows = [];
    for (const { name, file, baseline } of EVENTS_ROWS) {
      const r = ev.subjects[name];
      const label = EVENTS_FILE_LABEL[file];
      if (!r) {
        if (ev.leftOut[name]) rows.push([NAMES[name], label, `not measured: ${ev.leftOut[name]}`, '', '', '', '']);
        continue;
      }
      const base = baseline && ev.subjects[baseline];
      const multiline = name === 'multiline-java';
      rows.push([
        NAMES[name],
        label,
        `${range(r.lineRate)} lines/s`,
        multiline ? `${range(r.recordRate)} records/s` : '= lines',
        base ? `${X(r.lineRate.median / base.lineRate.median)} (per CPU-s ${X(r.perCpu.median / base.perCpu.median)})` : '',
        K(r.perCpu.median),
        EVENTS_PARSED.has(name) ? String(r.failed) : '',
      ]);
    }
    out.push({
      scenario: 'events',
      title: `6. Events: log-parse and multiline records, bursts of ${ev.lines.toLocaleString('en-US')} lines, batches of ${ev.batchSize} (median and range of ${ev.runs} runs)`,
      head: ['pipeline', 'file', 'lines/s from the end of the write, median (range)', 'records/s, median (range)', 'vs the same without the step', 'lines per CPU-s', 'lines failed to parse (worst run)'],
      rows,
      notes: [
        `Files: *syslog*: ${ev.files.syslog}; *mixed formats*: ${ev.files.mixed}; *Java log*: ${ev.files.java}.`,
        `Multiline timeout ${ev.multilineTimeoutS} s; rates to 99% of the burst's records (see the text above).`,
      ],
    });
  }
  const sy = results.syslog;
  if (sy) {
    const R = (x) => (!Number.isFinite(x) ? 'n/a' : x >= 1e6 ? M(x) : `${(x / 1e3).toFixed(0)} k`);
    const range = (st) => `${R(st.median)} (${R(st.min)} to ${R(st.max)})`;
    const peer = sy.subjects['syslog-peer'];
    const rsyslog = sy.subjects['syslog-rsyslog'];
    const rows = [];
    for (const name of SYSLOG_ROWS) {
      const r = sy.subjects[name];
      if (!r) {
        if (sy.leftOut[name]) rows.push([NAMES[name], `not measured: ${sy.leftOut[name]}`, '', '', '', '', '']);
        continue;
      }
      const all = r.received.every((n) => n === sy.messages);
      rows.push([
        NAMES[name],
        `${range(r.rate)} msgs/s`,
        peer ? X(r.rate.median / peer.rate.median) : '',
        rsyslog ? X(r.rate.median / rsyslog.rate.median) : '',
        R(r.perCpu.median),
        all ? `all, in every run (${sy.messages.toLocaleString('en-US')})` : r.received.map((n) => n.toLocaleString('en-US')).join(', '),
        name === 'syslog-in-ecs' ? String(r.failed) : '',
      ]);
    }
    out.push({
      scenario: 'syslog',
      title: `7. Syslog over TCP: ${sy.messages.toLocaleString('en-US')} messages from ${sy.senders} connections at once, micro-batch ${sy.batchSize} / ${sy.batchTimeoutS} s (median and range of ${sy.runs} runs)`,
      head: ['receiver -> micro-batch -> sink', 'messages/s, first write to last message, median (range)', 'vs peer', 'vs rsyslog', 'messages per CPU-s of the receiver', 'messages received', 'did not parse (worst run)'],
      rows,
      notes: [
        `Messages: RFC 5424 and RFC 3164 alternately, half of the RFC 5424 ones with structured data, LF-framed, ${Math.round(sy.meanBytes)} bytes on average; each connection writes its share as fast as it drains.`,
        `Peer: simple-syslog-server ${sy.peerLib || '(not installed)'} in a benchmark node (scripts/bench/syslog-peer-node), standing in for node-red-contrib-syslog-input, which is not on the npm registry.`,
      ],
    });
  }
  out.push(targets(results));
  return out;
}

/** The issue's floors, checked against this run. */
function targets(results) {
  const rows = [];
  /** The scenario of each row (for a later partial run, see carryOver). */
  const scenarios = [];
  let scenario = 'throughput';
  const add = (what, floor, measured, ok) => {
    rows.push([what, floor, measured, ok === null ? 'n/a' : ok ? 'met' : 'MISSED']);
    scenarios.push(scenario);
  };
  const t = results.throughput;
  if (t) {
    const lines = t.subjects['pack-lines'];
    const line = t.subjects['pack-line'];
    const peer = t.subjects.peer;
    const loop = t.subjects['read-split'];
    // Every subject on one time base: from the end of the write, as the loop is timed.
    const ratio = (a, b) => endRate(a) / endRate(b);
    if (lines && peer) add('"lines" output vs peer', '>= 8x', X(ratio(lines, peer)), ratio(lines, peer) >= 8);
    if (lines && loop) add('"lines" output vs plain loop', '>= 0.5x', X(ratio(lines, loop)), ratio(lines, loop) >= 0.5);
    // Acknowledged delivery against next-node delivery, the same pipeline otherwise, in the same runs.
    const ack = t.subjects['pack-ack-lines'];
    if (lines && ack) {
      const cpu = ack.perCpu / lines.perCpu;
      add('"lines" output: ack delivery vs next-node', '>= 0.8x', `${X(ratio(ack, lines))} (per CPU-s ${X(cpu)})`, ratio(ack, lines) >= 0.8);
    }
    // One message per line is bounded by what Node-RED costs per message (the floor rows), whoever sends them.
    if (line && peer) add('"line" output vs peer', '>= 1x', X(ratio(line, peer)), ratio(line, peer) >= 1);
    const floorMb = t.subjects['floor-mb'];
    const floorJoin = t.subjects['floor-join'];
    if (floorMb && floorJoin) add('Node-RED floor: micro-batch vs join', '>= 1x', X(ratio(floorMb, floorJoin)), ratio(floorMb, floorJoin) >= 1);
  }
  scenario = 'latency';
  const l = results.latency;
  if (l && l.subjects['pack-lines']) {
    for (const name of ['pack-lines', 'pack-line']) {
      const r = l.subjects[name];
      if (r) add(`latency p99 at ${l.rate} lines/s, file-tail (${name.slice(5)})`, '< 20 ms', MS(r.p99), r.p99 < 20 && r.samples === r.written);
    }
  }
  scenario = 'backlog';
  const b = results.backlog && results.backlog.subjects['pack-lines'];
  if (b) {
    add(`${results.backlog.mb} MiB backlog: peak RSS (worst run)`, '< 250 MB', MB(b.worstPeakMB), b.worstPeakMB < 250);
    add(`${results.backlog.mb} MiB backlog: longest HTTP answer (worst run)`, '<= 200 ms', MS(b.worstHttpMaxMs), b.worstHttpMaxMs <= 200);
  }
  scenario = 'dirwatch';
  const d = results.dirwatch;
  if (d) {
    if (d.skipped) add('dir-watch, 1,000 idle files: CPU', '< 2 % of a core', 'skipped', null);
    else add(`dir-watch, ${d.files} idle files: CPU`, '< 2 % of a core', PCT(d.idle.cpuPercent), d.idle.cpuPercent < 2);
  }
  scenario = 'manyfiles';
  const mf = results.manyfiles;
  if (mf && !mf.skipped) {
    add(`dir-watch, ${mf.files} files: every file followed (median)`, '<= 10 s', `${(mf.pickupMs.median / 1000).toFixed(1)} s`, mf.pickupMs.median <= 10000);
    add(`dir-watch, ${mf.files} idle files: RSS per file (median)`, '< 8 KB', `${mf.kbPerFile.median.toFixed(1)} KB`, mf.kbPerFile.median < 8);
  }
  scenario = 'events';
  const ev = results.events;
  if (ev) {
    const pairs = [
      ['events-syslog', 'events-plain', 'events: log-parse (syslog, ECS) vs the same pipeline without it'],
      ['events-auto', 'events-plain-mixed', 'events: log-parse (auto, ECS) on mixed formats vs the same pipeline without it'],
    ];
    for (const [name, baseline, what] of pairs) {
      const r = ev.subjects[name];
      const base = ev.subjects[baseline];
      if (!r || !base) {
        add(what, '>= 0.5x', `not measured (${ev.leftOut[name] || ev.leftOut[baseline] || 'left out'})`, null);
        continue;
      }
      const ratio = r.lineRate.median / base.lineRate.median;
      // Both are measured in every run, one after the other: each run's own ratio shows how far the noise goes.
      const perRun = r.lineRate.runs.map((v, i) => v / base.lineRate.runs[i]);
      const failed = r.failed > 0 ? `; ${r.failed} lines failed to parse` : '';
      const cpu = r.perCpu.median / base.perCpu.median;
      add(what, '>= 0.5x', `${X(ratio)} (runs ${X(Math.min(...perRun))} to ${X(Math.max(...perRun))}; per CPU-s ${X(cpu)})${failed}`, ratio >= 0.5 && r.failed === 0);
    }
  }
  scenario = 'syslog';
  const sy = results.syslog;
  if (sy) {
    // Parse off against rsyslog (which writes the raw message) and the peer; parse on (the node's default) against the peer, which parses too.
    const pairs = [
      ['syslog-in', 'syslog-peer', 'syslog: syslog-in (tcp, parse off) vs the Node-RED peer', 3],
      ['syslog-in-ecs', 'syslog-peer', 'syslog: syslog-in (tcp, parse on, ECS: the default) vs the Node-RED peer', 3],
      ['syslog-in', 'syslog-rsyslog', 'syslog: syslog-in (tcp, parse off) vs rsyslog imtcp', 1],
    ];
    for (const [oursName, name, what, floor] of pairs) {
      const ours = sy.subjects[oursName];
      const base = sy.subjects[name];
      if (!ours || !base) {
        add(what, `>= ${floor}x`, `not measured (${sy.leftOut[oursName] || sy.leftOut[name] || 'left out'})`, null);
        continue;
      }
      const ratio = ours.rate.median / base.rate.median;
      // Measured in turn within each run: each run's own ratio shows how far the noise goes.
      const perRun = ours.rate.runs.map((v, i) => v / base.rate.runs[i]);
      add(what, `>= ${floor}x`, `${X(ratio)} (runs ${X(Math.min(...perRun))} to ${X(Math.max(...perRun))}; per CPU-s ${X(ours.perCpu.median / base.perCpu.median)})`, ratio >= floor);
    }
  }
  return { title: 'Targets (ratios from this run)', head: ['target', 'floor', 'measured', 'result'], rows, scenarios };
}

function textTable(head, rows) {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const fmt = (r) => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

function mdTable(head, rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function fmtLoad(x) {
  return Number.isFinite(x) ? x.toFixed(2) : 'n/a';
}

function command() {
  return `${envPrefix()}npm run bench`;
}

function renderTable(results) {
  return sections(results)
    .map((s) => `${s.title}\n${textTable(s.head, s.rows)}\n${s.notes ? `${s.notes.join('\n')}\n` : ''}`)
    .join('\n');
}

function renderMarkdown(results, previous) {
  const m = results.meta;
  const lines = [
    START,
    '',
    `Measured ${m.date} with \`${command()}\` (${Math.round(m.durationS / 60)} min), on ${m.cpu}, ${m.cores} cores, ${m.memGB} GB, ${m.kernel};`,
    `Node ${m.node}, Node-RED ${m.nodeRed}, node-red-node-tail ${m.peer} (tail ${m.tailLib})${m.rsyslog ? `, rsyslogd ${m.rsyslog}` : ', rsyslog not measured'}.`,
    ...(m.compareSource ? [`Rows "BENCH_COMPARE_DIR build" ran the build in \`${m.compareSource}\`.`] : []),
    `Load average (1 min) at start and end: ${fmtLoad(m.loadStart)} and ${fmtLoad(m.loadEnd)} on ${m.cores} cores (other work on the machine meanwhile).`,
    '',
  ];
  const ran = new Set(results.settings.scenarios);
  const kept = previous ? carryOver(previous, ran) : { sections: [], targetRows: [] };
  if (kept.sections.length > 0) {
    lines.push(`Sections ${kept.sections.map((k) => k.number).join(', ')} were not measured in this run (\`BENCH_SCENARIOS\`): they are kept as an earlier run recorded them, and say which.`, '');
  }
  const generated = sections(results);
  const targetSection = generated.pop();
  const all = [
    ...generated.map((sec) => ({
      number: SCENARIO_NUMBER[sec.scenario],
      text: [`**${sec.title}**`, '', mdTable(sec.head, sec.rows), '', ...(sec.notes ? [sec.notes.join('\n'), ''] : [])],
    })),
    ...kept.sections,
  ].sort((x, y) => x.number - y.number);
  for (const sec of all) lines.push(...sec.text);
  // Targets: this run's rows, and the rows of the scenarios it did not measure as they were recorded, in scenario order.
  const rows = targetSection.rows.map((row, i) => ({ number: SCENARIO_NUMBER[targetSection.scenarios[i]], row }));
  for (const k of kept.targetRows) rows.push(k);
  rows.sort((x, y) => x.number - y.number);
  lines.push(`**${targetSection.title}**`, '', mdTable(targetSection.head, rows.map((r) => r.row)), '');
  lines.push(END);
  return lines.join('\n');
}

/** The numbers of the results sections, by scenario (their order in the file). */
const SCENARIO_NUMBER = { throughput: 1, latency: 2, backlog: 3, dirwatch: 4, manyfiles: 5, events: 6, syslog: 7 };

/** Which scenario a row of a recorded targets table belongs to, from its text (see targets()). */
function targetScenario(what) {
  if (/^latency p99/.test(what)) return 'latency';
  if (/MiB backlog:/.test(what)) return 'backlog';
  if (/^dir-watch, \d+ idle files: CPU/.test(what)) return 'dirwatch';
  if (/^dir-watch, \d+ (idle )?files: (every file followed|RSS per file)/.test(what)) return 'manyfiles';
  if (/^events: /.test(what)) return 'events';
  if (/^syslog: /.test(what)) return 'syslog';
  return 'throughput';
}

/**
 * From the results block written before (`previous`), what a run of only
 * some scenarios (BENCH_SCENARIOS) must not throw away: the sections and
 * target rows of the scenarios it did not measure, unchanged but for a note
 * naming the run that measured them (kept as it is when it has one already).
 */
function carryOver(previous, ran) {
  const text = previous.split('\n');
  const measured = /^Measured (\S+) with `([^`]*)`/m.exec(previous);
  const load = /^Load average \(1 min\) at start and end: (\S+) and (\S+) on/m.exec(previous);
  const from = measured ? `${measured[1]}` : 'an earlier run';
  const note = `*Not measured in this run: as recorded on ${from}${measured ? ` with \`${measured[2]}\`` : ''}${load ? `, load average ${load[1]} and ${load[2]}` : ''}.*`;
  const sectionsKept = [];
  const targetRows = [];
  const titleAt = [];
  text.forEach((line, i) => {
    if (/^\*\*(\d+\.|Targets)/.test(line)) titleAt.push(i);
  });
  for (let k = 0; k < titleAt.length; k++) {
    const begin = titleAt[k];
    let end = k + 1 < titleAt.length ? titleAt[k + 1] : text.length;
    const endMarker = text.indexOf(END, begin);
    if (endMarker >= 0 && endMarker < end) end = endMarker;
    const chunk = text.slice(begin, end);
    const num = /^\*\*(\d+)\./.exec(chunk[0]);
    if (num) {
      const number = Number(num[1]);
      const scenario = Object.keys(SCENARIO_NUMBER).find((name) => SCENARIO_NUMBER[name] === number);
      if (!scenario || ran.has(scenario)) continue;
      while (chunk.length > 0 && chunk[chunk.length - 1].trim() === '') chunk.pop();
      const hasNote = chunk[2] !== undefined && chunk[2].startsWith('*Not measured in this run');
      const body = hasNote ? chunk : [chunk[0], '', note, ...chunk.slice(1)];
      sectionsKept.push({ number, text: [...body, ''] });
      continue;
    }
    // The targets table: its rows for scenarios not measured now.
    for (const line of chunk) {
      if (!line.startsWith('| ') || /^\| (target|---) \|/.test(line)) continue;
      const cells = line.slice(2, -2).split(' | ');
      if (cells.length !== 4) continue;
      const scenario = targetScenario(cells[0]);
      if (ran.has(scenario)) continue;
      if (!/\(as recorded on /.test(cells[3])) cells[3] = `${cells[3]} (as recorded on ${from})`;
      targetRows.push({ number: SCENARIO_NUMBER[scenario], row: cells });
    }
  }
  return { sections: sectionsKept, targetRows };
}

/** The results block of `file` (between the markers), or undefined. */
function readBlock(file) {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  return a >= 0 && b > a ? text.slice(a, b + END.length) : undefined;
}

/**
 * Replaces the results block of `file` (creating the file if needed); returns
 * the path. `block` is the new block, or a function of the block there was
 * (undefined if none) that returns it. Everything outside the markers stays
 * as it is.
 */
function writeDoc(file, block) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  if (typeof block === 'function') block = block(readBlock(file));
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text);
  return file;
}

module.exports = { machineInfo, renderTable, renderMarkdown, writeDoc, readBlock, command };
