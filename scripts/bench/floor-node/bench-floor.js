'use strict';
// Benchmark helper, loaded only by `npm run bench` (through nodesDir): the
// `bench-floor` node sends `msg.payload.lines` ready-made 99-character lines,
// one message per line (node.send(msg) each, 2,600 per turn of the event
// loop, as many as file-tail's "line" output sends per 256 KiB read), when it
// gets any message. No file, no splitting: what is left is what Node-RED
// and the node after it cost per message, the floor for any one-message-per-
// line source.
module.exports = function (RED) {
  const PER_TURN = 2600;
  function BenchFloorNode(def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const line = 'x'.repeat(99);
    node.on('input', (msg, send, done) => {
      const total = Number(msg.payload && msg.payload.lines) || 0;
      let sent = 0;
      const turn = () => {
        for (let i = 0; i < PER_TURN && sent < total; i++, sent++) node.send({ topic: 'floor', payload: line });
        if (sent < total) setImmediate(turn);
        else done();
      };
      turn();
    });
  }
  RED.nodes.registerType('bench-floor', BenchFloorNode);
};
