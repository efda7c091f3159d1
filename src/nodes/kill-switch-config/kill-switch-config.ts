/**
 * The kill-switch-config node: one named, persistent emergency stop that any
 * number of file-tail, micro-batch and kill-switch nodes share (their
 * `killSwitch` setting names it). The switch itself is the engine's
 * (src/lib/kill-switch-state); this config node opens it, logs its changes, and
 * makes it reachable by id over the admin API.
 */
import type { NodeAPI, NodeDef } from '../shared/red';
import { SettingsReader } from '../shared/config';
import { openOwnSwitch, serveAdminEndpoints, type SwitchCarrier } from '../shared/switch-control';
import { runtimeOf } from '../shared/runtime';

interface KillSwitchConfigDef extends NodeDef {
  initial?: string;
}

export default function register(RED: NodeAPI): void {
  serveAdminEndpoints(RED);

  function KillSwitchConfigNode(this: SwitchCarrier, def: KillSwitchConfigDef): void {
    RED.nodes.createNode(this, def);
    const initial = new SettingsReader(RED, this).option('initial', def.initial, ['released', 'engaged'] as const, 'released');
    this.logIngestSwitch = openOwnSwitch(RED, this, initial);
    runtimeOf(RED).sources.addSwitch(this, def, this.logIngestSwitch);
  }

  RED.nodes.registerType('kill-switch-config', KillSwitchConfigNode as (this: SwitchCarrier, def: never) => void);
}
