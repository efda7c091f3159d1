/**
 * The runtime side of the editor's "log ingest" sidebar: a Node-RED plugin
 * that serves what the sidebar shows. `GET /log-ingest/sources` (permission
 * `log-ingest.read`) lists every running file-tail and dir-watch node with
 * its followed files, and every kill switch; the sidebar's buttons use
 * `POST /kill-switch/:id` (`kill-switch.write`, src/nodes/shared/switch-control).
 * The listing is made when asked for: nothing runs while no editor looks.
 */
import type { AdminHandler, NodeAPI } from '../../nodes/shared/red';
import { runtimeOf } from '../../nodes/shared/runtime';

export const PLUGIN_ID = 'log-ingest-sidebar';
export const SOURCES_PATH = '/log-ingest/sources';
export const READ_PERMISSION = 'log-ingest.read';

interface PluginAPI extends Pick<NodeAPI, 'httpAdmin' | 'auth' | 'events'> {
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
}

export default function register(RED: PluginAPI): void {
  RED.plugins.registerPlugin(PLUGIN_ID, { type: 'log-ingest-sidebar' });
  const app = RED.httpAdmin;
  const runtime = runtimeOf(RED);
  if (!app || !runtime.firstServing('log-ingest-sidebar', app)) return;
  const allowAll: AdminHandler = (_req, _res, next) => next();
  const permission = RED.auth?.needsPermission(READ_PERMISSION) ?? allowAll;
  app.get(SOURCES_PATH, permission, (_req, res) => {
    res.json(runtime.sources.listing());
  });
}
