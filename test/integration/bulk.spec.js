'use strict';
// The example "Micro batch - index batches into Elasticsearch or OpenSearch" in a
// real Node-RED, as shipped: only its log folder is moved to a temp folder, and
// LOG_INGEST_BULK_URL names a `_bulk` stand-in (test/support/bulk-stand-in.js)
// that answers item by item like Elasticsearch.
//
// 1. The stand-in refuses some items with 429 (`errors: true` in a 200 answer):
//    the example must fail such a batch and send it again until every line is
//    stored.
// 2. Node-RED is killed (SIGKILL) while the stand-in has stored a batch but not
//    yet answered it, and started again on the same user folder: the lines of
//    that batch are read again and indexed again under the same _id.
// After both, every line of the log from the first one indexed is in the index
// exactly once: as many distinct ids as lines, no line under two ids. How often
// ids were overwritten is reported, not limited.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js. No sleeps: every wait is for a request to the stand-in or a
// process event; the example's own generator writes a line a second.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, nodeVersion } = require('../support/node-red-process');
const { example } = require('../support/example-flow');
const { untilEvent } = require('../support/collect');
const { startBulkStandIn } = require('../support/bulk-stand-in');

const EXAMPLE = 'Micro batch - index batches into Elasticsearch or OpenSearch';
const LINES = 1500;

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;

/** Appends `lines` to `file` in chunks of varied sizes, each chunk one write. */
function appendInChunks(file, lines) {
  for (let i = 0, size = 1; i < lines.length; i += size, size = ((size * 7) % 173) + 1) {
    fs.appendFileSync(file, lines.slice(i, i + size).map((l) => `${l}\n`).join(''));
  }
}

const fileLines = (file) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);

describe(`_bulk example (Elasticsearch / OpenSearch) in a real Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(nodeBin)} (integration)`, function () {
  this.timeout(120_000); // safety net only

  let tmpDir;
  let userDir;
  let bulk;
  let nr;

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-bulk-'));
    userDir = path.join(tmpDir, 'node-red');
    bulk = await startBulkStandIn();
  });

  after(async function () {
    if (nr) await nr.stop('SIGKILL');
    if (bulk) await bulk.close();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  /** Resolves once `predicate()` holds, checked now and after each request to the stand-in. */
  const until = (predicate) => untilEvent(bulk, 'request', predicate);
  const start = () => startNodeRed({ flows: example(EXAMPLE, tmpDir), userDir, nodeBin, nodeRedDir, env: { LOG_INGEST_BULK_URL: bulk.url } });
  /** True when every one of `lines` is the message of a stored document. */
  const allStored = (lines) => {
    const messages = new Set([...bulk.docs.values()].map((d) => d.message));
    return lines.every((l) => messages.has(l));
  };

  it('stores every line once under its own _id through 429 refusals and a SIGKILL of Node-RED', async function () {
    const appLog = path.join(tmpDir, 'app.log');
    const marker = (tag) => (i) => `${tag} line ${String(i).padStart(5, '0')} user=dave path=/api/items/42 status=200`;

    // Part 1: every 7th item the stand-in sees is refused (429) the first time.
    bulk.refuse = (id, item) => item.seq % 7 === 3 && !bulk.refusals.has(id);
    nr = await start();
    await until(() => bulk.docs.size > 0); // the generator's lines are indexed: the log is followed

    const part1 = Array.from({ length: LINES }, (_, i) => marker('refused')(i + 1));
    appendInChunks(appLog, part1);
    await until(() => allStored(part1));
    bulk.refusals.size.should.be.above(0, 'the stand-in refused no item');
    [...bulk.refusals.keys()].filter((id) => !bulk.docs.has(id)).should.eql([], 'refused ids never stored');
    const refusedRequests = bulk.requests.filter((r) => r.statuses.includes(429)).length;

    // Part 2: the stand-in stores the first batch with lines of part 2 but keeps
    // its answer back; Node-RED is killed while it waits for it.
    bulk.refuse = null;
    const part2 = Array.from({ length: LINES }, (_, i) => marker('killed')(i + 1));
    let heldIds = null;
    bulk.hold = (request) => heldIds === null && request.docs.some((d) => d && String(d.message).startsWith('killed line '));
    const held = new Promise((resolve) =>
      bulk.on('request', function onRequest(r) {
        if (!r.held) return;
        bulk.off('request', onRequest);
        heldIds = r.ids;
        resolve(r);
      }),
    );
    appendInChunks(appLog, part2);
    await held;
    bulk.hold = null;
    nr.process.kill('SIGKILL');
    const { signal } = await nr.exited;
    should(signal).equal('SIGKILL');
    bulk.releaseHeld();

    nr = await start();
    const last = `bulk last line ${process.pid}`;
    fs.appendFileSync(appLog, `${last}\n`);
    await until(() => allStored([...part2, last]) && heldIds.every((id) => bulk.writes.get(id) >= 2));

    // Every line of the log from the first one indexed to `last`: once, under one id.
    const lines = fileLines(appLog);
    const messages = [...bulk.docs.values()].map((d) => d.message);
    const first = Math.min(...messages.map((m) => lines.indexOf(m)));
    first.should.be.aboveOrEqual(0, 'a document is not a line of the log');
    messages.filter((m) => !lines.includes(m)).should.eql([], 'documents that are no line of the log');
    const expected = lines.slice(first, lines.indexOf(last) + 1);
    const stillComing = lines.slice(lines.indexOf(last) + 1); // the generator's, after `last`
    const byMessage = new Map();
    for (const [id, d] of bulk.docs) byMessage.set(d.message, [...(byMessage.get(d.message) || []), id]);
    expected.filter((l) => !byMessage.has(l)).should.eql([], 'lines missing from the index');
    [...byMessage].filter(([, ids]) => ids.length > 1).should.eql([], 'lines stored under more than one _id');
    (bulk.docs.size - stillComing.filter((l) => byMessage.has(l)).length).should.equal(expected.length, 'distinct ids = lines written');
    for (const line of [...part1, ...part2]) byMessage.has(line).should.be.true(line);

    const writes = [...bulk.writes.values()];
    const histogram = writes.reduce((h, n) => ({ ...h, [n]: (h[n] || 0) + 1 }), {});
    console.log(
      `      ${bulk.docs.size} ids stored; writes per id: ${JSON.stringify(histogram)}; ` +
        `${bulk.refusals.size} ids refused with 429 in ${refusedRequests} requests; the held batch had ${heldIds.length} ids; ${bulk.requests.length} requests in all`,
    );
  });
});
