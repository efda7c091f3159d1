/**
 * How nodes use the kill switch engine (src/lib/kill-switch-state): open the
 * switch a node owns, follow a shared one by its config node's id, and
 * control a switch over the admin HTTP API.
 *
 * Catalog keys are looked up in the calling node's own catalog
 * (`<type>.errors.noKillSwitch`, and `<type>.log.*` for owners), since each
 * node set has its own message namespace.
 */
import * as path from 'node:path';
import type { KillSwitch, SwitchChange, SwitchState } from '../../lib/index';
import { runtimeOf } from './runtime';
import { oneOf, stateDir } from './config';
import type { AdminRequest, AdminResponse, Node, NodeAPI } from './red';

/** A node that carries a switch: a kill-switch-config node, or a kill-switch node. */
export interface SwitchCarrier extends Node {
  logIngestSwitch?: KillSwitch;
}

/** Where switch states are kept. */
export function switchDir(RED: NodeAPI): string {
  return path.join(stateDir(RED), 'switches');
}

/**
 * Opens the switch `node` owns (found again after a redeploy, read from its
 * file after a restart) and writes what happens to it to the Node-RED log.
 */
export function openOwnSwitch(RED: NodeAPI, node: Node, initial: unknown): KillSwitch {
  const prefix = node.type;
  const { killSwitch, created } = runtimeOf(RED).switches.open(node.id, switchDir(RED), oneOf<SwitchState>(initial, ['released', 'engaged'], 'released'));
  const saveError = (err: unknown) =>
    node.error(RED._(`${prefix}.log.saveFailed`, { file: killSwitch.file, message: err instanceof Error ? err.message : String(err) }));
  if (created) {
    const last = killSwitch.last;
    const loaded = killSwitch.loaded;
    if (loaded.kind === 'fail-closed') node.warn(RED._(`${prefix}.log.failClosed`, { reason: last?.reason ?? loaded.error }));
    else if (loaded.kind === 'initial') node.log(RED._(`${prefix}.log.initial`, { state: stateLabel(RED, prefix, killSwitch.state) }));
    else node.log(RED._(`${prefix}.log.restored`, { since: describe(RED, prefix, last), at: last?.at }));
    killSwitch.whenSaved().catch(saveError);
  }
  const unsubscribe = killSwitch.subscribe({
    change: (change) => node.log(describe(RED, prefix, change)),
    saveError,
  });
  node.on('close', (_removed: boolean, done: () => void) => {
    unsubscribe();
    done();
  });
  return killSwitch;
}

/** The switch of a kill-switch-config node (or kill-switch node) by its id. */
export function findSwitch(RED: NodeAPI, id: string): KillSwitch | undefined {
  return (RED.nodes.getNode(id) as SwitchCarrier | null)?.logIngestSwitch;
}

/**
 * Makes `node` obey the shared switch `switchId` (its `killSwitch` setting;
 * empty: no switch). `onChange(true)` runs at once when the switch is
 * engaged, then on every change. A switch that cannot be found counts as
 * engaged (fail closed), with an error naming it. Stops following on close.
 */
export function followKillSwitch(RED: NodeAPI, node: Node, switchId: unknown, onChange: (engaged: boolean) => void): void {
  if (typeof switchId !== 'string' || switchId === '') return;
  const killSwitch = findSwitch(RED, switchId);
  if (!killSwitch) {
    node.error(RED._(`${node.type}.errors.noKillSwitch`, { id: switchId }));
    onChange(true);
    return;
  }
  if (killSwitch.engaged) onChange(true);
  const unsubscribe = killSwitch.subscribe({ change: (change) => onChange(change.state === 'engaged') });
  node.on('close', (_removed: boolean, done: () => void) => {
    unsubscribe();
    done();
  });
}

/**
 * A log line for a change: "engaged by HTTP call (alice): incident 42". A
 * caller's claim to be the editor is logged as a claim. The reason and user
 * are printable single lines (the engine cleans them), so a line logged is
 * one record.
 */
function describe(RED: NodeAPI, prefix: string, change: SwitchChange | undefined): string {
  if (!change) return '';
  const state = stateLabel(RED, prefix, change.state);
  let cause = RED._(`${prefix}.cause.${change.cause}`);
  if (change.claimed) cause = RED._(`${prefix}.log.causeClaimed`, { cause, claimed: RED._(`${prefix}.claimed.${change.claimed}`) });
  if (change.user) cause = RED._(`${prefix}.log.causeUser`, { cause, user: change.user });
  return change.reason
    ? RED._(`${prefix}.log.changedReason`, { state, cause, reason: change.reason, at: change.at })
    : RED._(`${prefix}.log.changed`, { state, cause, at: change.at });
}

function stateLabel(RED: NodeAPI, prefix: string, state: SwitchState): string {
  return RED._(`${prefix}.state.${state}`);
}

/** The switch's state as the admin API and the status output report it. */
export function switchInfo(killSwitch: KillSwitch, withHistory = false): Record<string, unknown> {
  const last = killSwitch.last;
  const info: Record<string, unknown> = {
    id: killSwitch.id,
    state: killSwitch.state,
    engaged: killSwitch.engaged,
    since: last?.at,
    cause: last?.cause,
  };
  if (last?.claimed) info.claimed = last.claimed;
  if (last?.reason) info.reason = last.reason;
  if (last?.user) info.user = last.user;
  if (withHistory) info.history = killSwitch.history;
  return info;
}

const ACTIONS = ['engage', 'release', 'toggle'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * Why a request that changes state is refused before it is read, if it is:
 * only a JSON object body is taken. A web page on another site can make a
 * browser send text/plain, form or multipart bodies (or none) without asking
 * first (no CORS preflight), but not application/json: so with adminAuth
 * off, such a page cannot operate the switch.
 */
export function refuseUnlessJsonObject(req: AdminRequest): { status: 400 | 415; error: string } | undefined {
  const type = req.get('Content-Type');
  const essence = (type ?? '').split(';')[0].trim().toLowerCase();
  if (essence !== 'application/json') {
    return {
      status: 415,
      error: `${type ? `content type ${JSON.stringify(type)}` : 'no content type'}: send a JSON object with Content-Type: application/json`,
    };
  }
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    return { status: 400, error: `the body is ${kind}: send a JSON object, e.g. {"action": "engage"}` };
  }
  return undefined;
}

/**
 * `POST /kill-switch/:id` (permission `kill-switch.write`), a JSON object
 * body `{action: "engage"|"release"|"toggle", reason?}` (no action: toggle,
 * what the editor's button sends; any other content type: 415, a body that
 * is not an object: 400), and `GET /kill-switch/:id` (`kill-switch.read`)
 * for the state and recent history. `:id` is a kill-switch node or a
 * kill-switch-config node; any other id is 404.
 */
export function serveAdminEndpoints(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (!app || !runtimeOf(RED).firstServing('kill-switch', app)) return;
  const permission = (name: string) =>
    RED.auth?.needsPermission(name) ?? ((_req: AdminRequest, _res: AdminResponse, next: (err?: unknown) => void) => next());

  app.post('/kill-switch/:id', permission('kill-switch.write'), (req, res) => {
    const target = RED.nodes.getNode(req.params.id) as SwitchCarrier | null;
    const killSwitch = target?.logIngestSwitch;
    if (!target || !killSwitch) {
      res.status(404).json({ error: `no kill switch with id ${req.params.id}` });
      return;
    }
    const refused = refuseUnlessJsonObject(req);
    if (refused) {
      res.status(refused.status).json({ error: refused.error });
      return;
    }
    const body = req.body as { action?: unknown; reason?: unknown };
    const given = body.action !== undefined && body.action !== '';
    const action = given ? body.action : 'toggle';
    if (!ACTIONS.includes(action as Action)) {
      res.status(400).json({ error: `unknown action ${JSON.stringify(action)}: use "engage", "release" or "toggle"` });
      return;
    }
    // The editor marks its requests (the node's button, the sidebar's buttons)
    // with this header, but any client can send it: it is recorded as a claim.
    // Who made the change is known only when adminAuth names the user.
    const request = {
      cause: 'http' as const,
      claimed: req.get('Node-RED-API-Version') ? ('editor' as const) : undefined,
      reason: typeof body.reason === 'string' ? body.reason : undefined,
      user: req.user?.username,
      node: target.id,
    };
    const change =
      action === 'toggle' ? killSwitch.toggle(request) : killSwitch.set(action === 'engage' ? 'engaged' : 'released', request);
    const answer = { ...switchInfo(killSwitch), changed: change !== undefined };
    killSwitch.whenSaved().then(
      () => res.json(answer),
      (err: Error) => res.status(500).json({ ...answer, error: `the state holds but could not be saved: ${err.message}` }),
    );
  });

  app.get('/kill-switch/:id', permission('kill-switch.read'), (req, res) => {
    const killSwitch = (RED.nodes.getNode(req.params.id) as SwitchCarrier | null)?.logIngestSwitch;
    if (!killSwitch) {
      res.status(404).json({ error: `no kill switch with id ${req.params.id}` });
      return;
    }
    res.json(switchInfo(killSwitch, true));
  });
}
