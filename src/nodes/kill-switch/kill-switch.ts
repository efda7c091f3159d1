/**
 * The kill-switch node: a gate on a persistent emergency stop. Messages pass
 * on output 1 while the switch is released; while it is engaged they are
 * held in order (or discarded) and the held ones go on at release. Output 2
 * reports every change of the switch, whatever caused it, and answers
 * "status". The switch is shared (a kill-switch-config node, `killSwitch`)
 * or the node's own; the state machine and its persistence are the
 * engine's (src/lib/kill-switch-state).
 */
import type { NodeAPI, NodeDef, NodeMessage, DoneFn, SendFn } from '../shared/red';
import { SettingsReader, compactCount, numberOr } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { findSwitch, openOwnSwitch, serveAdminEndpoints, switchInfo, type SwitchCarrier } from '../shared/switch-control';
import { printable, type SwitchChange } from '../../lib/index';
import { runtimeOf } from '../shared/runtime';

interface KillSwitchDef extends NodeDef {
  killSwitch?: string;
  controlTopic?: string;
  mode?: string;
  queueSize?: number | string;
  initial?: string;
}

/** A message waiting for release; handed-over ones have no send/done of their own. */
interface Held {
  msg: NodeMessage;
  send?: SendFn;
  done?: DoneFn;
}

type Command = 'engage' | 'release' | 'toggle' | 'status';

const DEFAULT_TOPIC = 'kill-switch';
const DEFAULT_QUEUE = 1000;

/** The command a control message's payload names, if any. */
function commandOf(payload: unknown): Command | undefined {
  if (payload === true) return 'engage';
  if (payload === false) return 'release';
  if (typeof payload !== 'string') return undefined;
  const word = payload.trim().toLowerCase();
  return word === 'engage' || word === 'release' || word === 'toggle' || word === 'status' ? word : undefined;
}

export default function register(RED: NodeAPI): void {
  serveAdminEndpoints(RED);

  function KillSwitchNode(this: SwitchCarrier, def: KillSwitchDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new ThrottledStatus(node);
    const settings = new SettingsReader(RED, node);
    const controlTopic = settings.text('controlTopic', def.controlTopic, DEFAULT_TOPIC);
    const mode = settings.option('mode', def.mode, ['hold', 'discard'] as const, 'hold');
    const bufferCap = numberOr(RED.settings.nodeMessageBufferMaxLength, 0);
    const configured = settings.number('queueSize', def.queueSize, { fallback: DEFAULT_QUEUE, min: 1, integer: true });
    const limit = bufferCap > 0 ? Math.min(configured, bufferCap) : configured;

    const sharedId = typeof def.killSwitch === 'string' ? def.killSwitch : '';
    const killSwitch = sharedId ? findSwitch(RED, sharedId) : openOwnSwitch(RED, node, settings.option('initial', def.initial, ['released', 'engaged'] as const, 'released'));
    node.logIngestSwitch = killSwitch;
    // A switch of its own is listed in the log ingest sidebar (a shared one is, by its config node).
    if (!sharedId && killSwitch) runtimeOf(RED).sources.addSwitch(node, def, killSwitch);
    const missing = RED._('kill-switch.errors.noKillSwitch', { id: sharedId });
    if (!killSwitch) node.error(missing);
    /** A switch that cannot be found holds everything (fail closed). */
    const engaged = (): boolean => killSwitch?.engaged ?? true;

    const queue: Held[] = [];
    /** Messages dropped since the switch was last engaged. */
    let dropped = 0;
    let warned = false;

    function showStatus(at: 'now' | 'soon' = 'soon'): void {
      let shown;
      if (!killSwitch) {
        shown = { fill: 'red', shape: 'ring', text: RED._('kill-switch.status.missing') } as const;
      } else if (!engaged()) {
        shown = { fill: 'green', shape: 'dot', text: RED._('kill-switch.status.released') } as const;
      } else {
        const counts = { held: compactCount(queue.length), dropped: compactCount(dropped) };
        const key = mode === 'discard' ? (dropped > 0 ? 'engagedDiscarded' : 'engaged') : dropped > 0 ? 'engagedDropped' : queue.length > 0 ? 'engagedHeld' : 'engaged';
        shown = { fill: 'red', shape: 'dot', text: RED._(`kill-switch.status.${key}`, counts) } as const;
      }
      if (at === 'now') status.now(shown);
      else status.show(shown);
    }

    function hold(entry: Held): void {
      if (mode === 'discard') {
        dropped++;
        entry.done?.();
      } else {
        queue.push(entry);
        if (queue.length > limit) {
          // Full: the oldest message makes room.
          queue.shift()?.done?.();
          dropped++;
          if (!warned) {
            warned = true;
            node.warn(RED._('kill-switch.warnings.overflow', { limit }));
          }
        }
      }
      showStatus();
    }

    function pass(entry: Held): void {
      if (entry.send) entry.send([entry.msg, null]);
      else node.send([entry.msg, null]);
      entry.done?.();
    }

    function onChange(change: SwitchChange): void {
      const report = { ...switchInfo(killSwitch!), node: change.node, held: queue.length, dropped };
      if (change.state === 'engaged') {
        dropped = 0;
        warned = false;
        report.dropped = 0;
      }
      node.send([null, { payload: change.state, killSwitch: report }]);
      if (change.state === 'released') {
        if (dropped > 0) {
          if (mode === 'discard') node.log(RED._('kill-switch.warnings.discarded', { count: dropped }));
          else node.warn(RED._('kill-switch.warnings.dropped', { count: dropped, limit }));
        }
        for (const entry of queue.splice(0)) pass(entry);
      }
      showStatus('now');
    }

    if (killSwitch) {
      const unsubscribe = killSwitch.subscribe({ change: onChange });
      node.on('close', (_removed: boolean, done: () => void) => {
        unsubscribe();
        done();
      });
    }

    // Messages the previous instance held when it was redeployed.
    for (const msg of runtimeOf(RED).handover.take<NodeMessage[]>(node.id) ?? []) {
      if (engaged()) hold({ msg });
      else pass({ msg });
    }
    showStatus('now');

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (msg.topic !== controlTopic) {
        if (engaged()) hold({ msg, send, done });
        else pass({ msg, send, done });
        return;
      }
      // A control message: never passed on.
      const command = commandOf(msg.payload);
      if (!command) {
        // Quoted, and cleaned: the error is logged.
        const quoted = printable(JSON.stringify(msg.payload) ?? String(msg.payload), 100);
        done(new Error(RED._('kill-switch.errors.badCommand', { command: quoted })));
        return;
      }
      if (!killSwitch) {
        done(new Error(missing));
        return;
      }
      if (command === 'status') {
        msg.payload = killSwitch.state;
        msg.killSwitch = { ...switchInfo(killSwitch, true), held: queue.length, dropped };
        send([null, msg]);
        done();
        return;
      }
      const request = { cause: 'message' as const, reason: typeof msg.reason === 'string' ? msg.reason : undefined, node: node.id };
      if (command === 'toggle') killSwitch.toggle(request);
      else killSwitch.set(command === 'engage' ? 'engaged' : 'released', request);
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      const held = queue.splice(0);
      for (const entry of held) entry.done?.();
      if (held.length > 0) {
        // The next instance sends them on release; a removed node has none.
        if (removed) node.warn(RED._('kill-switch.warnings.droppedOnRemove', { count: held.length }));
        else runtimeOf(RED).handover.put(node.id, held.map((entry) => entry.msg));
      }
      status.clear();
      done();
    });
  }

  RED.nodes.registerType('kill-switch', KillSwitchNode as (this: SwitchCarrier, def: never) => void);
}
