/**
 * The source nodes' paths: where a relative one leads, and whether the
 * allow-list (`logIngest.allowedPaths` in settings.js) lets it be read.
 * The decision is the engine's (src/lib/path-policy); this reads the
 * settings, words the refusals, and serves the list to the editor at
 * `GET /log-ingest/allowed-paths` (permission `log-ingest.read`).
 */
import * as path from 'node:path';
import { PathPolicy, readAllowedPaths } from '../../lib/index';
import { runtimeOf } from './runtime';
import type { AdminHandler, Node, NodeAPI } from './red';
import type { ThrottledStatus } from './status';

export const ALLOWED_PATHS_PATH = '/log-ingest/allowed-paths';
export const READ_PERMISSION = 'log-ingest.read';

/** The nodes that read paths (their catalogs hold the texts below). */
export type SourceType = 'file-tail' | 'dir-watch';

/**
 * Where relative paths lead: Node-RED's `fileWorkingDirectory` setting when
 * set (as for the core file nodes), else the working directory of the
 * Node-RED process.
 */
export function workingDirectory(RED: NodeAPI): string {
  const configured = RED.settings.fileWorkingDirectory;
  return typeof configured === 'string' && configured !== '' ? path.resolve(configured) : process.cwd();
}

/** The path made absolute against the working directory ('' stays ''). */
export function resolvePath(RED: NodeAPI, file: string): string {
  return file === '' ? '' : path.resolve(workingDirectory(RED), file);
}

/** The `logIngest.allowedPaths` setting as it stands. */
function allowedPathsSetting(RED: NodeAPI): unknown {
  const logIngest = RED.settings.logIngest;
  if (logIngest === undefined || logIngest === null) return undefined;
  // A logIngest that is not an object cannot hold the list: as malformed as a bad list.
  if (typeof logIngest !== 'object' || Array.isArray(logIngest)) return logIngest;
  return (logIngest as Record<string, unknown>).allowedPaths;
}

/**
 * The allow-list from settings.js. A malformed setting (not a list of
 * paths) lets nothing be read, and is warned about once in the log.
 */
export function pathPolicy(RED: NodeAPI): PathPolicy {
  const setting = readAllowedPaths(allowedPathsSetting(RED));
  // A malformed setting is warned about once per runtime, not once per node.
  if (setting.kind === 'invalid' && runtimeOf(RED).firstWarning(`allowedPaths:${setting.problem}`)) {
    RED.log.warn(`[log-ingest] logIngest.allowedPaths in settings.js is invalid (${setting.problem}): it must be a list of folders or globs. Until it is fixed, file-tail and dir-watch read nothing.`);
  }
  return new PathPolicy(setting, workingDirectory(RED));
}

/** The list as the error and the editor show it. */
export function allowedText(RED: NodeAPI, type: SourceType, policy: PathPolicy): string {
  if (policy.setting.kind === 'invalid') return RED._(`${type}.allowed.invalid`);
  return policy.entries.length > 0 ? policy.entries.join(', ') : RED._(`${type}.allowed.none`);
}

/** Refuses a path outside the list: a red status and an error that names the path and the setting. */
export function refusePath(RED: NodeAPI, node: Node, status: ThrottledStatus, type: SourceType, file: string, policy: PathPolicy): void {
  status.now({ fill: 'red', shape: 'ring', text: RED._(`${type}.status.notAllowed`) });
  node.error(RED._(`${type}.errors.notAllowed`, { path: file, allowed: allowedText(RED, type, policy) }));
}

/**
 * Serves the list to the editor, which shows it beside the path field:
 * `{ limited, invalid, paths, base }`, and with `?path=` whether that path
 * (by its name: the editor cannot know where symlinks lead) is allowed.
 */
export function serveAllowedPaths(RED: NodeAPI): void {
  const runtime = runtimeOf(RED);
  runtime.latestApi = RED;
  const app = RED.httpAdmin;
  if (!app || !runtime.firstServing('allowed-paths', app)) return;
  const allowAll: AdminHandler = (_req, _res, next) => next();
  const permission = RED.auth?.needsPermission(READ_PERMISSION) ?? allowAll;
  app.get(ALLOWED_PATHS_PATH, permission, (req, res) => {
    const policy = pathPolicy(runtime.latestApi ?? RED);
    const asked = req.query?.path;
    res.json({
      limited: policy.limited,
      invalid: policy.setting.kind === 'invalid',
      paths: policy.entries,
      base: policy.base,
      ...(typeof asked === 'string' && asked.trim() !== '' && { path: policy.resolve(asked.trim()), allowed: policy.allows(asked.trim()) }),
    });
  });
}
