/**
 * The dir-watch node: a folder tree in, lines (output 1) and file events
 * (output 2) out. Discovery and per-file following are the engine's
 * (src/lib/directory-tail); this adapter reads config and wires outputs.
 */
import * as path from 'node:path';
import type { NodeAPI, Node, NodeMessage } from '../shared/red';
import { SettingsReader, compactCount, readTyped, stateDir } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { feedsAckBatcher, lineOutput, readLineOptions, readMultiline, reportCheckpointProblem, reportNotice, type LineSourceDef } from '../shared/line-output';
import { CheckpointStore, DirectoryTail, RateMeter, maxOpenFilesWithin, openFileLimit, type DiscoveryMode, type FileEvent } from '../../lib/index';
import { followKillSwitch } from '../shared/switch-control';
import { rewindWhenBatchersRestart } from '../shared/stop-plan';
import { runtimeOf } from '../shared/runtime';
import { allowedText, pathPolicy, refusePath, resolvePath, serveAllowedPaths } from '../shared/allowed-paths';

interface DirWatchDef extends LineSourceDef {
  path?: string;
  /** `str` (absent in flows saved before it existed) or `env`. */
  pathType?: string;
  pattern?: string;
  exclude?: string;
  recursive?: boolean;
  maxDepth?: number | string;
  maxOpenFiles?: number | string;
  ignoreOlder?: number | string;
  /** `skip` (also when absent, in flows saved before it existed) or `inside`. */
  symlinks?: string;
  pseudoFs?: boolean;
  /** Warn once when more files than this match; 0 = never. */
  warnFiles?: number | string;
  killSwitch?: string;
}

const CLOSE_SETTLE_MS = 10_000;
const CHECKPOINT_INTERVAL_MS = 1000;
const RESCAN_MS = 10_000;
const RATE_WINDOW_MS = 5000;
/** Open files by default: log shippers keep every file open; this bounds it, far above most folders. */
const DEFAULT_MAX_OPEN_FILES = 4096;
/** Matching files beyond which the node warns (a watch far wider than meant, such as ** on /). */
const DEFAULT_WARN_FILES = 10_000;

/** "*.log, *.txt" or one per line → ["*.log", "*.txt"]. A comma inside braces ("*.{log,txt}") belongs to the glob. */
export function splitPatterns(text: unknown, fallback: string[]): string[] {
  if (typeof text !== 'string') return fallback;
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '\n' || (ch === ',' && depth === 0)) {
      parts.push(current);
      current = '';
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    current += ch;
  }
  parts.push(current);
  const globs = parts.map((p) => p.trim()).filter((p) => p !== '');
  return globs.length > 0 ? globs : fallback;
}

export default function register(RED: NodeAPI): void {
  const runtime = runtimeOf(RED);
  serveAllowedPaths(RED);

  function DirWatchNode(this: Node, def: DirWatchDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new ThrottledStatus(node);
    const settings = new SettingsReader(RED, node);
    const recordStarts = feedsAckBatcher(RED, def);
    const records = readMultiline(def, settings);
    const options = { ...readLineOptions(def, settings, recordStarts), multiline: records.multiline };
    const out = lineOutput(runtime.batchSizes, def, options.output, 0, recordStarts);
    const eventsWired = (def.wires?.[1] ?? []).length > 0;
    const folder = readTyped(RED, node, def.path, def.pathType, 'str');
    // A relative folder leads where the core file nodes' paths do.
    const root = resolvePath(RED, folder.text.trim());
    const policy = pathPolicy(RED);
    /** The folder leads outside the allow-list: nothing is followed. */
    let refused = false;
    let mode: DiscoveryMode = 'events';
    let paused = false;
    const warnFiles = settings.number('warnFiles', def.warnFiles, { fallback: DEFAULT_WARN_FILES, min: 0, integer: true });
    /** Warned about the number of files (once per start). */
    let warnedFiles = false;
    /** Lines sent, and their rate over the last RATE_WINDOW_MS (shown while lines flow). */
    let linesSent = 0;
    const rate = new RateMeter(RATE_WINDOW_MS);

    /** The Open files setting, within half the process's limit on open files (warned about when that is less). */
    function openFilesAllowed(): number {
      const asked = settings.number('maxOpenFiles', def.maxOpenFiles, { fallback: DEFAULT_MAX_OPEN_FILES, min: 1, integer: true });
      const limit = openFileLimit();
      const allowed = maxOpenFilesWithin(asked, limit);
      if (allowed < asked) node.warn(RED._('dir-watch.warnings.openFilesLimited', { asked, limit, allowed }));
      return allowed;
    }

    /** The Files globs: at least one, else the default (warned about when something else was set). */
    function readPatterns(): string[] {
      const patterns = splitPatterns(def.pattern, []);
      if (patterns.length > 0) return patterns;
      if (def.pattern !== undefined && def.pattern !== null) settings.bad('pattern', def.pattern, '*.log');
      return ['*.log'];
    }

    // A start pattern that does not compile: nothing is read, as records would come out wrong.
    if (records.problem !== undefined) {
      runtime.sources.addSource(node, def, () => ({ state: 'error', files: [] }));
      status.now({ fill: 'red', shape: 'ring', text: RED._('dir-watch.status.badMultiline') });
      node.error(RED._('dir-watch.errors.badMultiline', { message: records.problem }));
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }
    if (!root) {
      runtime.sources.addSource(node, def, () => ({ state: 'noPath', files: [] }));
      if (folder.env) node.warn(RED._('dir-watch.warnings.envUnset', { name: folder.env }));
      status.now({ fill: 'grey', shape: 'ring', text: RED._('dir-watch.status.noPath') });
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }
    if (!policy.allows(root)) {
      runtime.sources.addSource(node, def, () => ({ state: 'notAllowed', root, files: [] }));
      refusePath(RED, node, status, 'dir-watch', root, policy);
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }

    const leave = runtime.join();
    const tail = new DirectoryTail(
      {
        ...options,
        id: node.id,
        ledger: runtime.ledger,
        discovery: {
          root,
          patterns: readPatterns(),
          exclude: splitPatterns(def.exclude, []),
          recursive: def.recursive === true,
          maxDepth: settings.number('maxDepth', def.maxDepth, { fallback: 8, min: 0, integer: true }),
          // Compared with file times, not a timer: any length works.
          ignoreOlderMs: settings.number('ignoreOlder', def.ignoreOlder, { fallback: 0, min: 0 }) * 3600 * 1000,
          rescanMs: RESCAN_MS,
          symlinks: settings.option('symlinks', def.symlinks, ['skip', 'inside'] as const, 'skip'),
          pseudoFs: def.pseudoFs === true,
        },
        maxOpenFiles: openFilesAllowed(),
        resume: true,
        checkpoints: { store: new CheckpointStore(path.join(stateDir(RED), 'checkpoints')), intervalMs: CHECKPOINT_INTERVAL_MS },
        // The folder as given is allowed: where it leads, each file found and each file opened are checked too.
        admit: policy.limited ? (file, opened) => policy.admits(file, opened) : undefined,
      },
      {
        emit: (chunk, ticket) => {
          if (!out.sends(ticket, runtime.ledger)) return; // closing
          linesSent += chunk.lines.length;
          // One send per message: Node-RED deep-clones every message after the first of one send() call.
          for (const msg of out.messages(chunk, ticket)) node.send([msg, null]);
          showStatus();
        },
        acksPerMessage: (chunk) => out.acksPerChunk(chunk),
        creditLines: () => out.creditLines(),
        event: (event) => sendEvent(event),
        notice: (notice) => reportNotice(RED, node, 'dir-watch', notice),
        error: (error) => {
          if (error.reason === 'notAllowed' && error.path === root) {
            refused = true;
            refusePath(RED, node, status, 'dir-watch', root, policy);
            return;
          }
          node.error(RED._(`dir-watch.errors.${error.reason}`, { path: error.path, message: error.message, allowed: allowedText(RED, 'dir-watch', policy) }));
        },
        mode: (next) => {
          mode = next;
          if (next === 'polling') node.warn(RED._('dir-watch.warnings.polling', { path: root }));
          showStatus(true);
        },
        checkpointError: (err) => node.warn(RED._('dir-watch.errors.checkpoint', { message: String(err) })),
        checkpointProblem: (problem) => reportCheckpointProblem(RED, node, 'dir-watch', problem),
      },
    );

    function sendEvent(event: FileEvent): void {
      if (event.event === 'skipped') reportSkipped(event);
      // Nothing wired to the events output: no message (twenty thousand files found are twenty thousand of them).
      if (eventsWired) {
        const msg: NodeMessage = { topic: event.path, payload: event.event, event: event.event, file: { path: event.path, ...event.detail } };
        node.send([null, msg]);
      }
      showStatus();
    }

    /** Why a path is not followed, once per path; the folder itself on a pseudo file system is an error. */
    function reportSkipped(event: FileEvent): void {
      const reason = String(event.detail?.reason);
      const vars = { path: event.path, fileSystem: event.detail?.fileSystem, folder: event.detail?.folder, name: event.detail?.name };
      if (reason === 'pseudoFs' && event.path === path.resolve(root)) node.error(RED._('dir-watch.errors.pseudoFs', vars));
      else if (reason === 'symlink') node.warn(RED._('dir-watch.warnings.skippedSymlink', vars));
      else if (reason === 'outside') node.warn(RED._('dir-watch.warnings.skippedOutside', vars));
      else if (reason === 'pseudoFs') node.warn(RED._('dir-watch.warnings.skippedPseudoFs', vars));
      else if (reason === 'name') node.warn(RED._('dir-watch.warnings.skippedName', vars));
    }

    function showStatus(now = false): void {
      // `count` picks the plural form ("1 file", "2 files"), `files` is what is shown ("1.2k").
      const files = tail.counts.known;
      const tooMany = warnFiles > 0 && files > warnFiles;
      if (tooMany && !warnedFiles) {
        warnedFiles = true;
        node.warn(RED._('dir-watch.warnings.manyFiles', { count: files, limit: warnFiles, path: root }));
      }
      if (now) status.now(statusNow(files, tooMany));
      // Formatted only when shown: this runs for every chunk sent and every file found.
      else status.show(() => statusNow(tail.counts.known, warnFiles > 0 && tail.counts.known > warnFiles));
    }

    function statusNow(files: number, tooMany: boolean): { fill: 'green' | 'yellow' | 'red'; shape: 'dot' | 'ring'; text: string } {
      if (refused) return { fill: 'red', shape: 'ring', text: RED._('dir-watch.status.notAllowed') };
      if (mode === 'refused') return { fill: 'red', shape: 'ring', text: RED._('dir-watch.status.refused') };
      if (paused) return { fill: 'yellow', shape: 'dot', text: RED._('dir-watch.status.paused') };
      if (mode === 'missing') return { fill: 'yellow', shape: 'ring', text: RED._('dir-watch.status.waiting') };
      if (mode === 'polling') return { fill: 'yellow', shape: 'dot', text: RED._('dir-watch.status.polling', { files: compactCount(files), count: files }) };
      if (tooMany) return { fill: 'yellow', shape: 'dot', text: RED._('dir-watch.status.many', { files: compactCount(files) }) };
      // Sampled when shown (the meter costs nothing between samples).
      const perSecond = Math.round(rate.sample(linesSent) ?? 0);
      if (perSecond > 0) {
        return { fill: 'green', shape: 'dot', text: RED._('dir-watch.status.rate', { files: compactCount(files), count: files, rate: compactCount(perSecond) }) };
      }
      return { fill: 'green', shape: 'dot', text: RED._('dir-watch.status.files', { files: compactCount(files), count: files }) };
    }

    // The rate decays to nothing when files fall idle.
    const statusTimer = setInterval(() => showStatus(), RATE_WINDOW_MS);
    statusTimer.unref?.();

    node.on('close', (removed: boolean, done: () => void) => {
      out.close();
      stopWatching();
      clearInterval(statusTimer);
      const stopped = removed ? tail.discard() : tail.stop(CLOSE_SETTLE_MS);
      void stopped
        .catch(() => undefined)
        .finally(() => {
          status.clear();
          done();
          leave();
        });
    });

    // While the kill switch is engaged no file is read; positions are kept.
    followKillSwitch(RED, node, def.killSwitch, (engaged) => {
      paused = engaged;
      if (engaged) tail.pause();
      else tail.unpause();
      showStatus(true);
    });

    const stopWatching = rewindWhenBatchersRestart(RED, runtime.stops, def, {
      pause: () => tail.pause(),
      rewind: async () => {
        await tail.rewind();
        if (!paused) tail.unpause();
      },
    });

    // The log ingest sidebar asks for the tail's snapshot while it is open.
    runtime.sources.addSource(node, def, () => {
      const snapshot = tail.snapshot();
      const state = refused ? 'notAllowed' : mode === 'refused' ? 'error' : paused ? 'paused' : mode === 'missing' ? 'waiting' : mode === 'polling' ? 'polling' : 'following';
      return { state, root: snapshot.root, files: snapshot.files, lastError: snapshot.lastError };
    });

    void tail.start().then(() => showStatus(true));
  }

  RED.nodes.registerType('dir-watch', DirWatchNode as (this: Node, def: never) => void);
}
