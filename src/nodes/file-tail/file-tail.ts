/**
 * The file-tail node: config in, lines out. The following, rotation,
 * delivery tracking and checkpoints are the engine's (src/lib/tail-session).
 */
import type { NodeAPI, Node, NodeMessage, DoneFn } from '../shared/red';
import { SettingsReader, compactCount, readTyped, stateDir } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { feedsAckBatcher, lineOutput, readLineOptions, readMultiline, reportCheckpointProblem, reportNotice, type LineSourceDef } from '../shared/line-output';
import {
  CheckpointStore,
  PositionBook,
  TailSession,
  sourceName,
  type FollowerError,
  type FollowerNotice,
  type FollowerState,
  type LineChunk,
  type TailSessionOptions,
  type Ticket,
} from '../../lib/index';
import { followKillSwitch } from '../shared/switch-control';
import { rewindWhenBatchersRestart } from '../shared/stop-plan';
import { runtimeOf } from '../shared/runtime';
import { allowedText, pathPolicy, refusePath, resolvePath, serveAllowedPaths } from '../shared/allowed-paths';
import * as path from 'node:path';

interface FileTailDef extends LineSourceDef {
  path?: string;
  /** `str` (absent in flows saved before it existed) or `env`. */
  pathType?: string;
  killSwitch?: string;
}

const CLOSE_SETTLE_MS = 10_000;
const CHECKPOINT_INTERVAL_MS = 1000;

export default function register(RED: NodeAPI): void {
  const runtime = runtimeOf(RED);
  serveAllowedPaths(RED);

  function FileTailNode(this: Node, def: FileTailDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const leave = runtime.join();
    const status = new ThrottledStatus(node);
    const recordStarts = feedsAckBatcher(RED, def);
    const settings = new SettingsReader(RED, node);
    const { output, ...lineOptions } = readLineOptions(def, settings, recordStarts);
    const records = readMultiline(def, settings);
    const baseOptions = { ...lineOptions, multiline: records.multiline };
    const out = lineOutput(runtime.batchSizes, def, output, 0, recordStarts);
    const store = new CheckpointStore(path.join(stateDir(RED), 'checkpoints'));
    // One checkpoint per node, for the path it follows now; a stop and start,
    // or a rewind, resumes from the book.
    const book = new PositionBook({
      shelf: store,
      keyOf: () => node.id,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      onError: (err) => node.warn(RED._('file-tail.errors.checkpoint', { message: String(err) })),
    });
    const configured = readTyped(RED, node, def.path, def.pathType, 'str');
    const policy = pathPolicy(RED);
    if (configured.env && configured.text === '') node.warn(RED._('file-tail.warnings.envUnset', { name: configured.env }));

    let session: TailSession | undefined;
    /** The path followed last, once stopped: a start takes it up again where the book says. */
    let stoppedPath: string | undefined;
    let lineCount = 0;
    let rotations = 0;
    let truncations = 0;
    /** The last path asked for lies outside the allow-list (shown in the sidebar). */
    let refused = false;

    /** "1 line", "12 lines", "1.2k lines" (or records): `count` picks the plural form, `lines` is shown. */
    function linesStatus(): string {
      return RED._(records.multiline ? 'file-tail.status.records' : 'file-tail.status.lines', { lines: compactCount(lineCount), count: lineCount });
    }

    function emit(chunk: LineChunk, ticket: Ticket): void {
      if (!out.sends(ticket, runtime.ledger)) return; // closing
      lineCount += chunk.lines.length;
      // One send per message: Node-RED deep-clones every message after the
      // first of one send() call.
      for (const msg of out.messages(chunk, ticket, { rotations, truncations })) node.send(msg);
      status.show(() => ({ fill: 'green', shape: 'dot', text: linesStatus() }));
    }

    function onState(state: FollowerState): void {
      switch (state) {
        case 'following':
          status.now({ fill: 'green', shape: 'dot', text: lineCount > 0 ? linesStatus() : RED._('file-tail.status.following') });
          break;
        case 'waiting':
          status.now({ fill: 'yellow', shape: 'ring', text: RED._('file-tail.status.waiting') });
          break;
        case 'paused':
          status.now({ fill: 'yellow', shape: 'dot', text: RED._('file-tail.status.paused') });
          break;
        case 'stopped':
          status.now({ fill: 'grey', shape: 'ring', text: RED._('file-tail.status.stopped') });
          break;
        case 'error':
          break; // the error itself sets the status
      }
    }

    function onError(error: FollowerError): void {
      status.now({ fill: 'red', shape: 'ring', text: RED._(`file-tail.status.${error.reason}`) });
      node.error(RED._(`file-tail.errors.${error.reason}`, { path: error.path, message: error.message, allowed: allowedText(RED, 'file-tail', policy) }));
    }

    function onNotice(notice: FollowerNotice): void {
      if (notice.kind === 'rotated') rotations++;
      else if (notice.kind === 'truncated') truncations++;
      reportNotice(RED, node, 'file-tail', notice);
    }

    function startSession(given: string): void {
      // A start pattern that does not compile: nothing is read, as records would come out wrong.
      if (records.problem !== undefined) {
        status.now({ fill: 'red', shape: 'ring', text: RED._('file-tail.status.badMultiline') });
        node.error(RED._('file-tail.errors.badMultiline', { message: records.problem }));
        return;
      }
      if (!given) {
        status.now({ fill: 'grey', shape: 'ring', text: RED._('file-tail.status.noPath') });
        return;
      }
      // Relative paths (configured, from env or msg.path) lead where the core file nodes' do.
      const filePath = resolvePath(RED, given);
      refused = !policy.allows(filePath);
      if (refused) {
        refusePath(RED, node, status, 'file-tail', filePath, policy);
        return;
      }
      const options: TailSessionOptions = {
        ...baseOptions,
        path: filePath,
        // The path as given is allowed: what it leads to, and every file opened, is checked as it is opened.
        admit: policy.limited ? (file, opened) => policy.admits(file, opened) : undefined,
        sourceId: sourceName(node.id, runtime.nextInstance()),
        ledger: runtime.ledger,
        resume: true,
        book,
      };
      session = new TailSession(options, {
        emit,
        acksPerMessage: (chunk) => out.acksPerChunk(chunk),
        creditLines: () => out.creditLines(),
        state: onState,
        notice: onNotice,
        error: onError,
        checkpointError: (err) => node.warn(RED._('file-tail.errors.checkpoint', { message: String(err) })),
        checkpointProblem: (problem) => reportCheckpointProblem(RED, node, 'file-tail', problem),
      });
      if (switchEngaged) obeySwitch();
      void session.start();
    }

    async function stopSession(): Promise<void> {
      const current = session;
      session = undefined;
      if (!current) return;
      await current.stop(CLOSE_SETTLE_MS);
      stoppedPath = current.path;
    }

    // Commands, path switches and close run one after another, never interleaved.
    let queue: Promise<unknown> = Promise.resolve();
    function serially<T>(task: () => Promise<T>): Promise<T> {
      const run = queue.then(task);
      queue = run.catch(() => undefined);
      return run;
    }

    node.on('input', (msg: NodeMessage, _send, done: DoneFn) => {
      serially(() => handleInput(msg)).then(() => done(), (err: Error) => done(err));
    });

    async function handleInput(msg: NodeMessage): Promise<void> {
      if (typeof msg.path === 'string' && msg.path !== '') {
        await stopSession();
        // Another path: the positions of this one are not taken up again (its checkpoint gives way to the new path's).
        if (stoppedPath !== undefined) book.forget(stoppedPath);
        stoppedPath = undefined;
        lineCount = 0;
        startSession(msg.path);
        return;
      }
      const command = typeof msg.command === 'string' ? msg.command : msg.payload === 'start' || msg.payload === 'stop' ? msg.payload : undefined;
      if (command === undefined) return;
      if (command === 'stop') {
        await stopSession();
        onState('stopped');
      } else if (command === 'start') {
        if (session) return;
        const from = stoppedPath;
        stoppedPath = undefined;
        startSession(from ?? configured.text);
      } else {
        throw new Error(RED._('file-tail.errors.badCommand', { command }));
      }
    }

    node.on('close', (removed: boolean, done: () => void) => {
      out.close();
      const stopped = serially(async () => {
        const current = session;
        session = undefined;
        if (current) await (removed ? current.discard() : current.stop(CLOSE_SETTLE_MS));
        else if (removed) await store.remove(node.id);
      });
      void stopped.catch(() => undefined).finally(() => {
        status.clear();
        done();
        leave();
      });
    });

    // While the kill switch is engaged nothing is read: files stay open, positions are kept.
    let switchEngaged = false;
    function obeySwitch(): void {
      if (!session) return;
      if (!switchEngaged) return session.unpause();
      session.pause();
      onState('paused');
    }
    followKillSwitch(RED, node, def.killSwitch, (engaged) => {
      switchEngaged = engaged;
      obeySwitch();
    });

    const stopWatching = rewindWhenBatchersRestart(RED, runtime.stops, def, {
      pause: () => session?.pause(),
      rewind: () =>
        serially(async () => {
          const current = session;
          if (!current) return;
          session = undefined;
          await current.stop(0);
          startSession(current.path);
        }),
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      stopWatching();
      done();
    });

    // The log ingest sidebar asks for the session's snapshot while it is open.
    runtime.sources.addSource(node, def, () => {
      if (session) {
        const file = session.snapshot();
        return { state: file.state, files: [file] };
      }
      return { state: refused ? 'notAllowed' : stoppedPath !== undefined || configured.text ? 'stopped' : 'noPath', files: [] };
    });

    startSession(configured.text);
  }

  RED.nodes.registerType('file-tail', FileTailNode as (this: Node, def: never) => void);
}
