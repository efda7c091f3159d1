'use strict';
// A stand-in for the `_bulk` API of Elasticsearch / OpenSearch, on 127.0.0.1,
// for the example "Micro batch - index batches into Elasticsearch or OpenSearch".
//
//   const bulk = await startBulkStandIn();
//   bulk.url                  // http://127.0.0.1:<port>/logs/_bulk
//   bulk.refuse = (id, item) => item.seq % 7 === 3;   // these items get 429, not stored
//   bulk.hold = (request) => true;                    // store, but keep the answer back
//   bulk.on('request', (r) => ...);                   // after each request was handled
//   bulk.docs.get(id); bulk.writes.get(id);           // the document, how often it was written
//   await bulk.close();
//
// It answers the way the real API does: `POST [/<index>]/_bulk` with an NDJSON
// body (an action line, then a document line for `index` and `create`), which
// must end with a newline and be sent as application/json or application/x-ndjson;
// 200 with `{"took", "errors", "items": [{"index": {"_id", "status", ...}}]}`,
// one item per action, each with its own status: 201 created, 200 updated
// (the same _id again), 409 for `create` on an existing id, 429 (refused by
// `refuse`, not stored, `errors: true`). A body that does not parse gets 400.
const http = require('http');
const { EventEmitter } = require('events');

const ACTIONS = new Set(['index', 'create', 'delete', 'update']);

/** Splits an NDJSON bulk body into `{action, meta, doc}` items; throws on bad input. */
function parseBulk(body, defaultIndex) {
  if (body.length > 0 && !body.endsWith('\n')) throw new Error('The bulk request must be terminated by a newline [\\n]');
  const lines = body.split('\n').filter((l) => l.trim() !== '');
  const items = [];
  for (let i = 0; i < lines.length; i++) {
    const actionLine = JSON.parse(lines[i]);
    const keys = Object.keys(actionLine);
    if (keys.length !== 1 || !ACTIONS.has(keys[0])) throw new Error(`Malformed action/metadata line [${i + 1}]`);
    const action = keys[0];
    const meta = { _index: defaultIndex, ...actionLine[action] };
    if (!meta._index) throw new Error(`no index for action line [${i + 1}]`);
    let doc;
    if (action !== 'delete') {
      if (i + 1 >= lines.length) throw new Error(`no document after action line [${i + 1}]`);
      doc = JSON.parse(lines[++i]);
    }
    items.push({ action, meta, doc });
  }
  return items;
}

/**
 * Starts the stand-in. `options.refuse(id, item)` and `options.hold(request)`
 * may also be set (and changed) later on the returned object.
 */
async function startBulkStandIn(options = {}) {
  const standIn = new EventEmitter();
  /** Stored documents by _id (one index is enough for the tests: ids are global here). */
  standIn.docs = new Map();
  /** How many times each _id was written (created or overwritten). */
  standIn.writes = new Map();
  /** How many times each _id was refused with 429. */
  standIn.refusals = new Map();
  /** Every request handled: {n, ids, statuses, held}. */
  standIn.requests = [];
  standIn.refuse = options.refuse || null;
  standIn.hold = options.hold || null;
  let itemSeq = 0;
  const heldResponses = new Set();
  const sockets = new Set();

  const answer = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const failure = (type, reason) => ({ error: { root_cause: [{ type, reason }], type, reason }, status: 400 });

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const started = Date.now();
      const match = /^\/(?:([^/_][^/]*)\/)?_bulk(?:\?.*)?$/.exec(req.url);
      if (req.method !== 'POST' && req.method !== 'PUT') return answer(res, 405, failure('method_not_allowed', `${req.method} ${req.url}`));
      if (!match) return answer(res, 404, failure('not_found', req.url));
      const type = String(req.headers['content-type'] || '').split(';')[0].trim();
      if (type !== 'application/json' && type !== 'application/x-ndjson') {
        return answer(res, 406, { error: `Content-Type header [${type}] is not supported`, status: 406 });
      }
      let items;
      try {
        items = parseBulk(Buffer.concat(chunks).toString('utf8'), match[1]);
      } catch (err) {
        return answer(res, 400, failure('illegal_argument_exception', err.message));
      }
      const results = items.map(({ action, meta, doc }) => {
        const seq = ++itemSeq;
        const id = meta._id === undefined ? `auto-${seq}` : String(meta._id);
        const base = { _index: meta._index, _id: id };
        if (standIn.refuse && standIn.refuse(id, { action, meta, doc, seq })) {
          standIn.refusals.set(id, (standIn.refusals.get(id) || 0) + 1);
          return {
            [action]: {
              ...base,
              status: 429,
              error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation (stand-in)' },
            },
          };
        }
        const exists = standIn.docs.has(id);
        if (action === 'delete') {
          standIn.docs.delete(id);
          return { delete: { ...base, result: exists ? 'deleted' : 'not_found', status: exists ? 200 : 404 } };
        }
        if (action === 'create' && exists) {
          return { create: { ...base, status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists` } } };
        }
        const stored = action === 'update' ? { ...(standIn.docs.get(id) || {}), ...(doc.doc || {}) } : doc;
        standIn.docs.set(id, stored);
        const version = (standIn.writes.get(id) || 0) + 1;
        standIn.writes.set(id, version);
        return { [action]: { ...base, _version: version, result: exists ? 'updated' : 'created', status: exists ? 200 : 201, _seq_no: seq, _primary_term: 1 } };
      });
      const body = { took: Date.now() - started, errors: results.some((r) => Object.values(r)[0].status >= 300), items: results };
      const request = {
        n: standIn.requests.length + 1,
        ids: results.map((r) => Object.values(r)[0]._id),
        statuses: results.map((r) => Object.values(r)[0].status),
        docs: items.map((i) => i.doc),
        held: false,
      };
      standIn.requests.push(request);
      if (standIn.hold && standIn.hold(request)) {
        request.held = true;
        heldResponses.add({ res, body });
      } else {
        answer(res, 200, body);
      }
      standIn.emit('request', request);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port || 0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  standIn.port = port;
  standIn.url = `http://127.0.0.1:${port}/${options.index || 'logs'}/_bulk`;

  /** Sends the answers kept back by `hold` (to clients that may be gone). */
  standIn.releaseHeld = () => {
    for (const h of heldResponses) if (!h.res.destroyed) answer(h.res, 200, h.body);
    heldResponses.clear();
  };
  /** Documents whose field `field` equals `value`: [id, doc] pairs. */
  standIn.find = (field, value) => [...standIn.docs].filter(([, doc]) => doc && doc[field] === value);
  standIn.close = async () => {
    standIn.hold = null;
    for (const h of heldResponses) h.res.destroy();
    heldResponses.clear();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return standIn;
}

module.exports = { startBulkStandIn, parseBulk };
