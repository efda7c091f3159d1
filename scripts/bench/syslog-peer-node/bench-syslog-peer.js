'use strict';
// Benchmark helper, loaded only by `npm run bench` (through nodesDir): the
// syslog scenario's Node-RED peer. node-red-contrib-syslog-input (1.0.1) is
// not on the npm registry this project installs from, so this node stands in
// for it: the library that node wraps, simple-syslog-server (a devDependency),
// listening on TCP, and what its README and behaviour describe per message:
// one message each, `payload` the library's parsed object (messages it finds
// invalid too, with topic "broken"), `topic` the syslog tag without its
// process id, and the status "(conn: N, msgs: M)" updated with every message.
//
// Settings: port, address (to bind).
module.exports = function (RED) {
  const Syslog = require('simple-syslog-server');

  function BenchSyslogPeerNode(def) {
    RED.nodes.createNode(this, def);
    const node = this;
    let count = 0;
    let connections = 0;
    let listening = false;
    const status = () =>
      node.status({ fill: listening ? 'green' : 'red', shape: connections ? 'dot' : 'ring', text: `(conn: ${connections}, msgs: ${count})` });
    const server = Syslog('tcp');
    server
      .on('msg', (data) => {
        count++;
        node.send({ payload: data, topic: String(data.tag).replace(/\[\d+\]$/, '') });
        status();
      })
      .on('invalid', (data) => {
        count++;
        node.send({ payload: data, topic: 'broken' });
        status();
      })
      .on('error', (err) => {
        listening = false;
        node.status({ fill: 'red', shape: 'ring', text: String(err) });
      })
      .on('connection', (socket) => {
        connections++;
        socket.on('close', () => {
          connections--;
          status();
        });
        status();
      });
    server
      .listen({ host: def.address || '127.0.0.1', port: Number(def.port) })
      .then(() => {
        listening = true;
        status();
      })
      .catch((err) => node.error(`cannot listen on ${def.address}:${def.port}: ${err}`));
    node.on('close', (done) => {
      if (!listening) return done();
      server.close().then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('bench-syslog-peer', BenchSyslogPeerNode);
};
