'use strict';
// Model-based testing of the file follower (after Vector's file-source model
// tests): a writer performs operations on real files in a temp folder (write,
// half a line, rename rotation, copytruncate, truncate, delete, ...), the real
// follower reads them, and a model of what was written decides what must come
// out, what may be missing and what may come twice.
//
// The model knows, for every line: the file generation it went into (a new
// generation per file created at the path), the segment of that file (a new
// segment after each truncation), and its end offset in the segment. From
// that it works out which lines the follower can still reach:
//
// - a line in the file at the path: always;
// - in a rotated file: if the follower holds that file open (`opened` was
//   seen for it), or a checkpoint it started from names it, or an older file
//   of the same rotation chain (A rotated -> B created, B rotated -> C) is
//   held or named: the follower then finds the newer ones beside it;
// - in a deleted file: only while the follower holds it open;
// - bytes not yet read when a file is truncated (`> file`): may be lost;
// - bytes copied away by copytruncate: recovered from the copy when the
//   follower knew the head of the file (it had delivered one of its lines),
//   else may be lost (nobody can tell the copy is of that file);
// - after a restart or crash, only what the resume points lead to.
//
// Expectations follow what the follower reports (`opened`), so they are
// frozen before the final stop: a file opened while stopping need not be read.
// Between operations the tests await events (deliveries, opens), never sleep;
// the only poll is for rotated files to be closed at the end.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { setImmediate: nextTurn, setTimeout: delay } = require('timers/promises');
const { FileFollower } = require('../../dist/lib/file-follower');
const { TailSession } = require('../../dist/lib/tail-session');
const { CheckpointStore } = require('../../dist/lib/checkpoint-store');
const { PositionBook } = require('../../dist/lib/position-book');
const { DeliveryLedger } = require('../../dist/lib/delivery-ledger');

const deliveryLedger = new DeliveryLedger();

/** A run is failed, with the model's state, when an awaited event does not come in this long. */
const STALL_MS = 4000;

const BASE_OPTIONS = {
  startAt: 'beginning',
  idleFlushMs: 0,
  pollIntervalMs: 20,
  rotateWaitMs: 50,
  encoding: 'utf8',
  delimiter: '\n',
  maxLineBytes: 0,
  longLines: 'cut',
  trackLineEnds: false,
};

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

class LogWorld {
  /**
   * @param dir  a fresh temp folder
   * @param style 'create' (rotate by rename) or 'copytruncate': one logrotate
   *              method per file, as logrotate is configured.
   * @param names 'numbered' (app.log.1, app.log.2, ...: each rotation shifts
   *              them) or 'dated' (logrotate's dateext: app.log-<stamp>, a
   *              new name per rotation, never renamed again).
   */
  constructor(dir, style = 'create', names = 'numbered') {
    this.dir = dir;
    this.path = path.join(dir, 'app.log');
    this.style = style;
    this.names = names;
    this.rotations = 0;
    this.seq = 0;
    this.gens = [];
    /** text -> line */
    this.lines = new Map();
    /** The generation at the path, null when there is no file; the writer's fd writes to it. */
    this.atPath = null;
    this.fd = null;
    /** A line whose first part is written, its rest not yet. */
    this.partial = null;
    /** rotated[i], newest first, is at rotatedPath(i): { kind: 'gen', gen } or { kind: 'copy', gen, seg } */
    this.rotated = [];
    /** Incremented per follower instance (restart, crash). */
    this.epoch = 0;
    /** Between halt() and resume(): no follower runs. */
    this.stopped = false;
    this.deliveries = [];
    this.corrupt = [];
    this.waiters = [];
    this.trace = [];
    this.notes = [];
  }

  // ---- the writer -------------------------------------------------------

  createGen(pred) {
    this.fd = fs.openSync(this.path, 'a');
    const gen = {
      id: this.gens.length,
      ino: fs.fstatSync(this.fd).ino,
      linked: true,
      pred,
      segs: [{ content: '', lines: [] }],
      openedEpoch: -1,
      namedEpoch: -1,
      /** The segment whose head the follower knows: { epoch, seg }. */
      known: null,
    };
    this.gens.push(gen);
    this.atPath = gen;
    return gen;
  }

  ensureFile() {
    if (!this.fd) this.createGen(null);
  }

  /** The generation the writer's fd points to (the path's, or a just renamed one). */
  get writerGen() {
    return this.writing || this.atPath;
  }

  writeRaw(text) {
    const gen = this.writerGen;
    fs.writeSync(this.fd, text);
    gen.segs[gen.segs.length - 1].content += text;
  }

  newLine(pad) {
    const gen = this.writerGen;
    const seg = gen.segs.length - 1;
    const line = { text: `L${++this.seq}-${'x'.repeat(pad)}`, seq: this.seq, gen, seg, end: -1, complete: false, lost: false, dupOk: false, count: 0 };
    this.lines.set(line.text, line);
    gen.segs[seg].lines.push(line);
    return line;
  }

  markComplete(line) {
    line.end = line.gen.segs[line.seg].content.length;
    line.complete = true;
  }

  writeLines(n, pad = 0) {
    this.ensureFile();
    this.completePartial();
    // One write() for all: a logger writes whole lines.
    const made = [];
    for (let i = 0; i < n; i++) made.push(this.newLine((pad * (i + 1)) % 97));
    this.writeRaw(made.map((l) => `${l.text}\n`).join(''));
    let end = this.writerGen.segs[this.writerGen.segs.length - 1].content.length;
    for (let i = made.length - 1; i >= 0; i--) {
      made[i].end = end;
      made[i].complete = true;
      end -= made[i].text.length + 1;
    }
    return made;
  }

  /** Writes the first part of a line (at least one byte, never its delimiter). */
  startPartial(pad, cutAt) {
    this.ensureFile();
    this.completePartial();
    const line = this.newLine(pad);
    const cut = 1 + (cutAt % line.text.length);
    this.writeRaw(line.text.slice(0, cut));
    this.partial = { line, cut };
  }

  completePartial() {
    if (!this.partial) return;
    const { line, cut } = this.partial;
    this.partial = null;
    this.writeRaw(`${line.text.slice(cut)}\n`);
    this.markComplete(line);
  }

  /** Where a generation's file is now (undefined once deleted). */
  fileOf(gen) {
    if (gen === this.atPath) return this.path;
    const i = this.rotated.findIndex((r) => r.kind === 'gen' && r.gen === gen);
    return i >= 0 ? this.rotatedPath(i) : undefined;
  }

  /** The file of rotated[i]: app.log.(i+1), or its dated name. */
  rotatedPath(i) {
    return this.names === 'dated' ? this.rotated[i].file : `${this.path}.${i + 1}`;
  }

  /** Where the next rotation puts the file at the path (after shift()). */
  nextRotatedPath() {
    this.rotations++;
    return this.names === 'dated' ? `${this.path}-${20261127000000 + this.rotations}` : `${this.path}.1`;
  }

  /** Lines appended to a rotated file by another writer (a late writer that never reopened). */
  appendTo(gen, n) {
    const file = this.fileOf(gen);
    const seg = gen.segs.length - 1;
    const made = [];
    for (let i = 0; i < n; i++) {
      const line = { text: `L${++this.seq}-`, seq: this.seq, gen, seg, end: -1, complete: false, lost: false, dupOk: false, count: 0 };
      this.lines.set(line.text, line);
      gen.segs[seg].lines.push(line);
      gen.segs[seg].content += `${line.text}\n`;
      this.markComplete(line);
      made.push(line);
    }
    fs.appendFileSync(file, made.map((l) => `${l.text}\n`).join(''));
    return made;
  }

  /** Renames app.log.N to app.log.(N+1), oldest first (dated names stay). */
  shift() {
    if (this.names === 'dated') return;
    for (let i = this.rotated.length; i >= 1; i--) fs.renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
  }

  /**
   * Rename rotation: app.log -> app.log.1, then `late` lines still written to
   * the old file (the writer has not reopened yet), then a new app.log.
   */
  rotate(late = 0, pad = 0) {
    if (!this.fd) return;
    const old = this.atPath;
    this.shift();
    const file = this.nextRotatedPath();
    fs.renameSync(this.path, file);
    this.rotated.unshift({ kind: 'gen', gen: old, file });
    this.writing = old;
    this.atPath = null;
    this.completePartial();
    if (late > 0) this.writeLines(late, pad);
    this.writing = null;
    fs.closeSync(this.fd);
    this.fd = null;
    this.createGen(old);
  }

  /** logrotate copytruncate: copy to app.log.1, then empty app.log (nothing written in between). */
  copytruncate() {
    if (!this.fd) return;
    this.completePartial();
    const gen = this.atPath;
    const seg = gen.segs.length - 1;
    this.unname(gen);
    this.shift();
    const file = this.nextRotatedPath();
    fs.copyFileSync(this.path, file);
    this.rotated.unshift({ kind: 'copy', gen, seg, file });
    fs.ftruncateSync(this.fd, 0);
    // The follower finds the copy by the head of the file: only if it knew it.
    // While no follower runs, the resume points decide (see beginEpoch).
    const known = gen.known && gen.known.epoch === this.epoch && gen.known.seg === seg;
    if (!known && !this.stopped) this.loseUndelivered(gen.segs[seg].lines, 'copytruncate before the follower knew the head');
    gen.segs.push({ content: '', lines: [] });
  }

  /** `> app.log`: what was not read yet may be lost. */
  truncate() {
    if (!this.fd) return;
    this.completePartial();
    const gen = this.atPath;
    this.unname(gen);
    fs.ftruncateSync(this.fd, 0);
    this.loseUndelivered(gen.segs[gen.segs.length - 1].lines, 'truncated');
    gen.segs.push({ content: '', lines: [] });
  }

  remove() {
    if (!this.fd) return;
    this.completePartial();
    const gen = this.atPath;
    fs.unlinkSync(this.path);
    fs.closeSync(this.fd);
    this.fd = null;
    this.atPath = null;
    gen.linked = false;
    // Read to its end by a follower that has it open; lost otherwise.
    if (this.stopped || gen.openedEpoch !== this.epoch) this.loseUndelivered(gen.segs[gen.segs.length - 1].lines, 'deleted before it was opened');
  }

  /** The file comes back (empty) after a delete. */
  recreate() {
    this.ensureFile();
  }

  /**
   * A resume point names a file by its head: once truncated before the new
   * follower opened it, the point no longer finds it (should it be rotated).
   */
  unname(gen) {
    if (gen.namedEpoch === this.epoch && gen.openedEpoch !== this.epoch) gen.namedEpoch = -1;
  }

  loseUndelivered(lines, why) {
    for (const line of lines) {
      if (line.count === 0 && !line.lost) {
        line.lost = true;
        line.why = why;
      }
    }
  }

  // ---- what the follower reports --------------------------------------

  onDeliver(texts) {
    for (const text of texts) {
      this.deliveries.push(text);
      const line = this.lines.get(text);
      if (!line || !line.complete) {
        this.corrupt.push(text);
        continue;
      }
      line.count++;
      const gen = line.gen;
      if (line.seg === gen.segs.length - 1) gen.known = { epoch: this.epoch, seg: line.seg };
    }
    this.wake();
  }

  onOpened(identity) {
    // Files the follower opens while it is being stopped need not be read.
    if (this.frozen) return;
    const gen = this.gens.find((g) => g.linked && g.ino === identity.ino);
    if (gen) gen.openedEpoch = this.epoch;
    // A scenario acting at this very moment (the follower waits for this call).
    const hook = this.openedHook;
    if (hook && hook(gen)) this.openedHook = undefined;
    this.wake();
  }

  note(entry) {
    this.notes.push(entry);
    if (this.notes.length > 200) this.notes.shift();
    this.wake();
  }

  // ---- restarts ---------------------------------------------------------

  /** The segment a resume point names: same inode and head (as isSameFile). */
  matchPoint(point) {
    for (const gen of this.gens) {
      if (gen.ino !== point.identity.ino) continue;
      for (let s = gen.segs.length - 1; s >= 0; s--) {
        const content = gen.segs[s].content;
        if (content.length >= point.identity.headLength && sha256(content.slice(0, point.identity.headLength)) === point.identity.headHash) {
          return { gen, seg: s };
        }
      }
    }
    return undefined;
  }

  /** A crash: lines delivered past the checkpoint may come again. */
  crashedWith(points) {
    for (const line of this.lines.values()) {
      if (line.count === 0) continue;
      const covered = points.some((p) => {
        const m = this.matchPoint(p);
        return m && m.gen === line.gen && m.seg === line.seg && p.offset >= line.end;
      });
      if (!covered) line.dupOk = true;
    }
  }

  /** A new follower starts from `points` (after a stop or a crash). */
  beginEpoch(points) {
    this.epoch++;
    const namedCopies = new Map();
    for (const point of points) {
      const m = this.matchPoint(point);
      if (!m || !m.gen.linked) continue;
      if (m.seg === m.gen.segs.length - 1) {
        m.gen.namedEpoch = this.epoch;
        // An empty head names no content: a copy could not be recognised.
        if (point.identity.headLength > 0) m.gen.known = { epoch: this.epoch, seg: m.seg };
      } else {
        namedCopies.set(`${m.gen.id}:${m.seg}`, point.offset);
      }
    }
    // Bytes held only in a copytruncate copy: found again only from a point naming them.
    for (const gen of this.gens) {
      for (let s = 0; s < gen.segs.length - 1; s++) {
        const named = namedCopies.has(`${gen.id}:${s}`);
        const copied = this.rotated.some((r) => r.kind === 'copy' && r.gen === gen && r.seg === s);
        if (!named || !copied) this.loseUndelivered(gen.segs[s].lines, 'copy not named by the resume points');
      }
    }
    this.wake();
  }

  // ---- expectations -----------------------------------------------------

  chainAnchored(gen) {
    for (let g = gen; g; g = g.pred) if (g.openedEpoch === this.epoch || g.namedEpoch === this.epoch) return true;
    return false;
  }

  /** Must this line still come out (now that the follower is what it is)? */
  mustCome(line) {
    if (line.lost || !line.complete || line.count > 0) return false;
    const gen = line.gen;
    if (line.seg !== gen.segs.length - 1) return true; // in a copy: copytruncate decided
    if (!gen.linked) return gen.openedEpoch === this.epoch;
    if (gen === this.atPath) return true;
    return this.chainAnchored(gen);
  }

  pending() {
    return [...this.lines.values()].filter((l) => this.mustCome(l));
  }

  wake() {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }

  /** Resolves once pred() holds, checking at each delivery and open. */
  until(pred, what) {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`stalled waiting for ${what}\n${this.describe()}`));
      }, STALL_MS);
      this.waiters.push(waiter);
    });
  }

  /** Every line that must come out has come out. */
  settled() {
    return this.until(() => this.pending().length === 0, 'the lines that must come');
  }

  describe() {
    const pending = this.pending().map((l) => `${l.text}@gen${l.gen.id}/seg${l.seg}`);
    const gens = this.gens.map((g) => {
      const where = g === this.atPath ? 'path' : g.linked ? `.${this.rotated.findIndex((r) => r.kind === 'gen' && r.gen === g) + 1}` : 'deleted';
      return `gen${g.id}(ino ${g.ino}, ${where}, pred ${g.pred ? g.pred.id : '-'}, opened@${g.openedEpoch}, named@${g.namedEpoch}, segs ${g.segs.map((s) => s.lines.length).join('/')})`;
    });
    return [
      `style ${this.style}, epoch ${this.epoch}`,
      `ops: ${this.trace.join(' ')}`,
      `pending: ${pending.join(' ') || '-'}`,
      `files: ${gens.join('; ')}`,
      `corrupt: ${this.corrupt.join(' ') || '-'}`,
      `notices: ${this.notes.slice(-40).map((n) => JSON.stringify(n)).join(' ')}`,
    ].join('\n');
  }

  /**
   * The invariants, once the follower has stopped. `exact`: every line once.
   * `ordered`: in the order written across files too (an old file's rest
   * before the next file), for runs where no line is written to an old file
   * once the next one exists.
   */
  check({ exact = false, ordered = false } = {}) {
    const problems = [];
    if (this.corrupt.length > 0) problems.push(`corrupted or unknown lines: ${this.corrupt.join(' ')}`);
    for (const line of this.lines.values()) {
      if (line.count > 1 && !line.dupOk) problems.push(`duplicated: ${line.text} (x${line.count})`);
      if (this.mustCome(line)) problems.push(`lost: ${line.text} (gen${line.gen.id}/seg${line.seg})`);
      if (exact && line.complete && line.count !== 1) problems.push(`not exactly once: ${line.text} (x${line.count}${line.lost ? `, lost: ${line.why}` : ''})`);
    }
    // Per file, in the order written (first deliveries; duplicates come again in order).
    const lastSeq = new Map();
    const seen = new Set();
    for (const text of this.deliveries) {
      const line = this.lines.get(text);
      if (!line || seen.has(text)) continue;
      seen.add(text);
      const before = lastSeq.get(line.gen) || 0;
      if (line.seq < before) problems.push(`out of order in gen${line.gen.id}: ${text} after L${before}`);
      lastSeq.set(line.gen, Math.max(before, line.seq));
    }
    if (ordered) {
      const firsts = [...seen].map((text) => this.lines.get(text).seq);
      const at = firsts.findIndex((seq, i) => i > 0 && seq < firsts[i - 1]);
      if (at > 0) problems.push(`out of written order across files: L${firsts[at]} after L${firsts[at - 1]}`);
    }
    if (problems.length > 0) throw new Error(`${problems.slice(0, 20).join('\n')}\n${this.describe()}`);
  }

  get lostCount() {
    return [...this.lines.values()].filter((l) => l.lost).length;
  }
}

// ---- engines: the follower under test, bare or inside a TailSession -------

/** A bare FileFollower; restart = stop() and a new follower resuming from its points. */
class FollowerEngine {
  constructor(world, { chunkBytes = 64, inlineReads = true } = {}) {
    this.world = world;
    this.chunkBytes = chunkBytes;
    this.inlineReads = inlineReads;
    this.follower = undefined;
    this.gate = undefined;
    this.paused = false;
  }

  start(resume) {
    const world = this.world;
    const follower = new FileFollower({ ...BASE_OPTIONS, path: world.path, chunkBytes: this.chunkBytes, inlineReads: this.inlineReads, resume }, {
      deliver: (chunk) => {
        world.onDeliver(chunk.lines);
        // A blocked sink: reading waits until the gate opens.
        if (this.gate) return this.gate.promise;
        return undefined;
      },
      opened: (identity) => world.onOpened(identity),
      state: () => undefined,
      notice: (n) => world.note(n),
      error: (e) => world.note({ error: e.code, reason: e.reason }),
    });
    this.follower = follower;
    follower.start();
  }

  pause() {
    this.paused = true;
    this.follower.pause();
  }

  block() {
    if (!this.gate) this.gate = deferred();
  }

  /** Unpauses, leaving a blocked sink blocked. */
  unpause() {
    this.paused = false;
    this.follower.unpause();
  }

  /** Lets the follower run: unpaused, the sink unblocked. */
  release() {
    if (this.paused) {
      this.paused = false;
      this.follower.unpause();
    }
    if (this.gate) {
      this.gate.resolve();
      this.gate = undefined;
    }
  }

  /** Stops gracefully, keeping the points stop() returned. */
  async halt() {
    this.release();
    this.points = await this.follower.stop();
    this.world.stopped = true;
    return this.points;
  }

  /** A new follower resuming from the points of halt(). */
  resume() {
    this.world.stopped = false;
    this.world.beginEpoch(this.points);
    this.start(this.points);
  }

  async restart() {
    await this.halt();
    this.resume();
  }

  /** Rotated files still open (white-box). */
  retiredCount() {
    return this.follower.snapshot().rotated.length;
  }

  poke() {
    this.follower.trigger();
  }

  async stop() {
    this.release();
    await this.follower.stop();
  }
}

let sessionCounter = 0;

/**
 * A TailSession with checkpoints: restart = stop(), then a new session from
 * the stored checkpoint (or from the points stop() returned); crash = the
 * follower dropped and the checkpoint left as it was last written.
 */
class SessionEngine {
  constructor(world, { chunkBytes = 64, checkpointMs = 5, inlineReads = true } = {}) {
    this.world = world;
    this.chunkBytes = chunkBytes;
    this.inlineReads = inlineReads;
    this.checkpointMs = checkpointMs;
    this.store = new CheckpointStore(path.join(world.dir, 'checkpoints'));
    this.key = 'model';
    this.session = undefined;
    this.live = undefined;
    this.paused = false;
  }

  /** A book as a new process has it: nothing in memory, the checkpoint on disk. */
  newBook() {
    return new PositionBook({
      shelf: this.store,
      keyOf: () => this.key,
      intervalMs: this.checkpointMs,
      onError: (err) => this.world.note({ checkpointError: String(err) }),
    });
  }

  /** Starts a session on `book`: a new one reads the checkpoint, the last one resumes from what it holds. */
  async start(book = this.newBook()) {
    const world = this.world;
    const live = { crashed: false };
    this.book = book;
    const session = new TailSession(
      {
        ...BASE_OPTIONS,
        path: world.path,
        chunkBytes: this.chunkBytes,
        inlineReads: this.inlineReads,
        sourceId: `model-${++sessionCounter}`,
        ledger: deliveryLedger,
        book,
        resume: true,
      },
      {
        emit: (chunk) => {
          // After a crash nothing reaches downstream.
          if (!live.crashed) world.onDeliver(chunk.lines);
        },
        acksPerMessage: () => 0,
        creditLines: () => 1000,
        state: () => undefined,
        notice: (n) => world.note(n),
        error: (e) => world.note({ error: e.code, reason: e.reason }),
        checkpointError: (err) => world.note({ checkpointError: String(err) }),
        checkpointProblem: (problem) => world.note({ checkpointProblem: problem }),
      },
    );
    // The session keeps `opened` to itself: listen in (white-box).
    const opened = session.opened;
    session.opened = function (identity, offset) {
      if (!live.crashed) world.onOpened(identity);
      return opened.call(this, identity, offset);
    };
    this.session = session;
    this.live = live;
    await session.start();
  }

  pause() {
    this.paused = true;
    this.session.pause();
  }

  block() {}

  release() {
    if (this.paused) {
      this.paused = false;
      this.session.unpause();
    }
  }

  /** Graceful: stop() writes the checkpoint; the next session starts from it or from the returned points. */
  async halt() {
    this.release();
    this.points = await this.session.stop(1000);
    this.world.stopped = true;
    return this.points;
  }

  async resume(fromStore = true) {
    this.world.stopped = false;
    if (fromStore) {
      const files = await this.savedFiles();
      this.world.beginEpoch(files);
      await this.start();
    } else {
      this.world.beginEpoch(this.points);
      await this.start(this.book);
    }
  }

  /** The positions in the checkpoint; none if there is none (any other outcome is a failure of the engine). */
  async savedFiles() {
    const saved = await this.store.load(this.key);
    if (saved.kind === 'none') return [];
    if (saved.kind !== 'loaded') throw new Error(`checkpoint ${saved.kind}: ${JSON.stringify(saved)}`);
    return saved.checkpoint.files;
  }

  async restart(fromStore = true) {
    await this.halt();
    await this.resume(fromStore);
  }

  /** The process dies: no more deliveries, no more checkpoint writes; the last one written stays. */
  async crash() {
    const s = this.session;
    this.live.crashed = true;
    this.paused = false;
    // White-box: the book writes nothing more, and its path's writer (if any) drops what waits.
    const writer = this.book.paths.get(this.world.path)?.writer;
    this.book.stored = undefined;
    if (writer) {
      writer.update = () => undefined;
      writer.cancel();
      await writer.writing; // a write in progress at the crash completes (it is atomic)
    }
    s.tracker.close();
    await s.follower.stop(); // only to close its files and watchers: its points are dropped
    deliveryLedger.unregister(s.tracker);
    const files = await this.savedFiles();
    this.world.crashedWith(files);
    this.world.beginEpoch(files);
    await this.start();
  }

  /** Rotated files still open (white-box). */
  retiredCount() {
    return this.session.follower.snapshot().rotated.length;
  }

  poke() {
    this.session.trigger();
  }

  async stop() {
    this.release();
    await this.session.stop(1000);
  }
}

/**
 * Waits for rotated files to be finished and closed (rotateWaitMs after their
 * last growth), polling the follower and nudging it: a late duplicate would
 * come out by then.
 */
async function quiesce(world, engine) {
  const started = Date.now();
  while (engine.retiredCount() > 0) {
    if (Date.now() - started > STALL_MS) throw new Error(`rotated files never finished\n${world.describe()}`);
    engine.poke();
    await delay(10);
  }
}

/** Runs one operation of a generated sequence. */
async function apply(world, engine, op) {
  world.trace.push(op.t + (op.n !== undefined ? op.n : '') + (op.late ? `+${op.late}` : ''));
  switch (op.t) {
    case 'write':
      world.writeLines(op.n, op.pad);
      break;
    case 'partial':
      world.startPartial(op.pad, op.cut);
      break;
    case 'rest':
      world.completePartial();
      break;
    case 'rotate':
      world.rotate(op.late, op.pad);
      break;
    case 'copytruncate':
      world.copytruncate();
      break;
    case 'truncate':
      world.truncate();
      break;
    case 'delete':
      world.remove();
      break;
    case 'recreate':
      world.recreate();
      break;
    case 'pause':
      engine.pause();
      break;
    case 'block':
      engine.block();
      break;
    case 'settle':
      engine.release();
      await world.settled();
      break;
    case 'restart':
      await engine.restart(op.fromStore);
      break;
    case 'crash':
      await engine.crash();
      break;
    default:
      throw new Error(`unknown op ${op.t}`);
  }
  // Let the follower get some work done (or not) before the next operation.
  for (let i = 0; i < (op.turns || 0); i++) await nextTurn();
}

/** Starts following a folder with one line in app.log, and waits for it. */
async function begin(world, engine) {
  world.writeLines(1);
  await engine.start(undefined);
  await world.settled();
}

/** Finishes a run: completes a half line, waits for what must come, stops, checks. */
async function finish(world, engine, checkOptions) {
  world.completePartial();
  engine.release();
  // A file opened meanwhile may make more lines due: until nothing changes.
  do {
    await world.settled();
    await quiesce(world, engine);
  } while (world.pending().length > 0);
  world.frozen = true;
  await engine.stop();
  world.check(checkOptions);
}

function closeWorld(world) {
  if (world.fd) fs.closeSync(world.fd);
  world.fd = null;
  for (const w of world.waiters) clearTimeout(w.timer);
  world.waiters = [];
}

module.exports = { LogWorld, FollowerEngine, SessionEngine, apply, begin, finish, quiesce, closeWorld, BASE_OPTIONS, STALL_MS, deferred, sha256 };
