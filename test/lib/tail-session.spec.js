'use strict';
// TailSession's start and stop: a session stopped while it still loads its
// checkpoint (a file-tail closed right after it started: a quick redeploy)
// must not start following afterwards, with nobody left to stop it.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { TailSession } = require('../../dist/lib/tail-session');
const { CheckpointStore } = require('../../dist/lib/checkpoint-store');
const { DeliveryLedger } = require('../../dist/lib/delivery-ledger');
const { BASE_OPTIONS } = require('../support/follow-model');

describe('TailSession start and stop', function () {
  let dir;
  let session;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-tail-session-'));
  });

  afterEach(async function () {
    // A follower the session started after its stop would read on forever.
    await session?.follower?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stopped while its checkpoint loads, it starts no follower and writes no checkpoint', async function () {
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'one\n');
    const store = new CheckpointStore(path.join(dir, 'checkpoints'));
    let releaseLoad;
    const loadHeld = new Promise((resolve) => (releaseLoad = resolve));
    const load = store.load.bind(store);
    store.load = async (...args) => {
      await loadHeld;
      return load(...args);
    };
    const saves = [];
    store.save = async (key, checkpoint) => saves.push({ key, checkpoint });
    const emitted = [];
    session = new TailSession(
      { ...BASE_OPTIONS, path: file, sourceId: 'tail-session-stopped-while-loading', resume: true, ledger: new DeliveryLedger(), checkpoints: { store, key: 'tail', intervalMs: 10 } },
      {
        emit: (chunk) => emitted.push(...chunk.lines),
        acksPerMessage: () => 0,
        creditLines: () => 1e6,
        state: () => {},
        notice: () => {},
        error: () => {},
        checkpointError: () => {},
        checkpointProblem: () => {},
      },
    );
    const started = session.start();
    (await session.stop(0)).should.eql([]);
    releaseLoad();
    await started;
    (session.follower === undefined).should.be.true('a follower was started after stop');
    await session.stop(0); // stopping again writes nothing either
    saves.should.eql([]);
    emitted.should.eql([]);
  });
});
