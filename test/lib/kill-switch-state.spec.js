'use strict';
// The kill switch engine: states, history, listeners, persistence across a
// "restart" (a new registry reading the same folder) and fail-closed loading.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { KillSwitch, KillSwitchRegistry, HISTORY_LIMIT, REASON_LIMIT, switchFile } = require('../../dist/lib/kill-switch-state');
const { tempDir } = require('../support/collect');

/** A registry that remembers what it opened, so each test can wait for the last writes. */
const opened = [];
class Registry extends KillSwitchRegistry {
  open(...args) {
    const result = super.open(...args);
    opened.push(result.killSwitch);
    return result;
  }
}

describe('kill switch engine', function () {
  let dir;

  beforeEach(function () {
    dir = tempDir('kill-switch-engine-');
  });

  afterEach(async function () {
    await Promise.all(opened.splice(0).map((sw) => sw.whenSaved().catch(() => undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const readState = (id) => JSON.parse(fs.readFileSync(switchFile(dir, id), 'utf8'));

  it('starts in the configured initial state when nothing is saved, and saves it', async function () {
    const registry = new Registry();
    const { killSwitch, created } = registry.open('s1', dir, 'engaged');
    created.should.be.true();
    killSwitch.state.should.equal('engaged');
    killSwitch.engaged.should.be.true();
    killSwitch.loaded.should.eql({ kind: 'initial' });
    killSwitch.last.should.match({ state: 'engaged', cause: 'initial' });
    await killSwitch.whenSaved();
    readState('s1').should.match({ version: 1, id: 's1', state: 'engaged', history: [{ state: 'engaged', cause: 'initial' }] });
  });

  it('records each change with time, cause, reason, user and node, and ignores non-changes', function () {
    const { killSwitch } = new Registry().open('s1', dir, 'released');
    const before = Date.now();
    const change = killSwitch.engage({ cause: 'http', reason: '  incident 42  ', user: 'alice', node: 'n1' });
    change.should.match({ state: 'engaged', cause: 'http', reason: 'incident 42', user: 'alice', node: 'n1' });
    Date.parse(change.at).should.be.aboveOrEqual(before - 1000);
    should(killSwitch.engage({ cause: 'message' })).be.undefined(); // already engaged: nothing recorded
    killSwitch.toggle({ cause: 'http', claimed: 'editor' }).should.match({ state: 'released', cause: 'http', claimed: 'editor' });
    killSwitch.history.map((c) => [c.state, c.cause, c.claimed]).should.eql([
      ['released', 'initial', undefined],
      ['engaged', 'http', undefined],
      ['released', 'http', 'editor'],
    ]);
    killSwitch.history[2].should.not.have.property('reason');
    (() => killSwitch.set('off', { cause: 'message' })).should.throw(/Unknown kill switch state/);
  });

  it('calls listeners on every change until they unsubscribe', function () {
    const { killSwitch } = new Registry().open('s1', dir, 'released');
    const seen = [];
    const unsubscribe = killSwitch.subscribe({ change: (c) => seen.push(c.state) });
    killSwitch.engage({ cause: 'message' });
    killSwitch.engage({ cause: 'message' });
    killSwitch.release({ cause: 'message' });
    unsubscribe();
    killSwitch.engage({ cause: 'message' });
    seen.should.eql(['engaged', 'released']);
  });

  it('keeps the state and its history across a restart', async function () {
    const first = new Registry().open('s1', dir, 'released').killSwitch;
    first.engage({ cause: 'http', reason: 'incident 42', user: 'alice' });
    await first.whenSaved();
    // A new process: a new registry, the same folder. The initial state no longer applies.
    const again = new Registry().open('s1', dir, 'released').killSwitch;
    again.should.not.equal(first);
    again.loaded.should.eql({ kind: 'restored' });
    again.state.should.equal('engaged');
    again.last.should.match({ state: 'engaged', cause: 'http', reason: 'incident 42', user: 'alice' });
    again.history.should.have.length(2);
  });

  it('hands out the same switch for the same folder and id (a redeploy), another for another folder', function () {
    const registry = new Registry();
    const a = registry.open('s1', dir, 'released');
    const b = registry.open('s1', dir, 'engaged');
    b.created.should.be.false();
    b.killSwitch.should.equal(a.killSwitch);
    b.killSwitch.state.should.equal('released'); // the initial state of a later open is ignored
    const other = tempDir('kill-switch-engine-other-');
    const elsewhere = registry.open('s1', other, 'released').killSwitch;
    elsewhere.should.not.equal(a.killSwitch);
    return elsewhere.whenSaved().finally(() => fs.rmSync(other, { recursive: true, force: true }));
  });

  describe('fails closed', function () {
    for (const [what, content] of [
      ['is not JSON', '{"version":1,"state":"rele'],
      ['is JSON null', 'null'],
      ['has an unknown state', '{"version":1,"id":"s1","state":"open","history":[]}'],
      ['has an unknown version', '{"version":2,"id":"s1","state":"released","history":[]}'],
    ]) {
      it(`when the state file ${what}: engaged, with the reason, the bad file kept aside`, async function () {
        const file = switchFile(dir, 's1');
        fs.writeFileSync(file, content);
        const { killSwitch } = new Registry().open('s1', dir, 'released');
        killSwitch.state.should.equal('engaged');
        killSwitch.loaded.kind.should.equal('fail-closed');
        killSwitch.last.cause.should.equal('fail-closed');
        killSwitch.last.reason.should.containEql(file);
        const aside = killSwitch.loaded.keptAs;
        fs.readFileSync(aside, 'utf8').should.equal(content);
        killSwitch.last.reason.should.containEql(aside);
        await killSwitch.whenSaved();
        readState('s1').state.should.equal('engaged'); // so the next start is engaged too
      });
    }

    it('when a FIFO stands in place of the state file: engaged at once, the open never waits for a writer', function () {
      const file = switchFile(dir, 's1');
      require('child_process').execFileSync('mkfifo', [file]);
      const { killSwitch } = new Registry().open('s1', dir, 'released');
      killSwitch.state.should.equal('engaged');
      killSwitch.loaded.kind.should.equal('fail-closed');
      killSwitch.last.reason.should.containEql(file);
    });

    it('when the state file cannot be read at all (a directory in its place)', function () {
      fs.mkdirSync(switchFile(dir, 's1'));
      const { killSwitch } = new Registry().open('s1', dir, 'released');
      killSwitch.state.should.equal('engaged');
      killSwitch.loaded.error.should.match(/is not a regular file/);
    });
  });

  it('reports a state it cannot save to listeners and through whenSaved, and keeps the state', async function () {
    const folder = path.join(dir, 'switches');
    const { killSwitch } = new Registry().open('s1', folder, 'released');
    await killSwitch.whenSaved();
    // The folder becomes a file: the next write cannot happen.
    fs.rmSync(folder, { recursive: true });
    fs.writeFileSync(folder, '');
    const errors = [];
    killSwitch.subscribe({ saveError: (err) => errors.push(err) });
    killSwitch.engage({ cause: 'message' });
    await killSwitch.whenSaved().should.be.rejected();
    errors.should.have.length(1);
    killSwitch.state.should.equal('engaged');
  });

  it('writes atomically: the file is always a whole state, the last one, with no temp files left', async function () {
    const { killSwitch } = new Registry().open('s1', dir, 'released');
    for (let i = 0; i < 101; i++) killSwitch.toggle({ cause: 'message', reason: `change ${i}` });
    await killSwitch.whenSaved();
    const saved = readState('s1');
    saved.state.should.equal('engaged');
    saved.history[saved.history.length - 1].reason.should.equal('change 100');
    fs.readdirSync(dir).should.eql(['s1.json']);
  });

  it('keeps the last HISTORY_LIMIT changes and cuts long reasons', function () {
    const { killSwitch } = new Registry().open('s1', dir, 'released');
    for (let i = 0; i < HISTORY_LIMIT + 10; i++) killSwitch.toggle({ cause: 'message', reason: 'x'.repeat(REASON_LIMIT + 100) });
    killSwitch.history.should.have.length(HISTORY_LIMIT);
    killSwitch.last.reason.should.have.length(REASON_LIMIT);
  });

  describe('state file names', function () {
    const engagedFile = (id) => JSON.stringify({ version: 1, id, state: 'engaged', history: [{ state: 'engaged', at: '2024-01-01T00:00:00.000Z', cause: 'http', reason: 'kept' }] });

    it('ids that differ only in unsafe characters (a/b, a_b, a:b) are separate switches, also after a restart', async function () {
      const ids = ['a/b', 'a_b', 'a:b'];
      const registry = new Registry();
      const switches = ids.map((id) => registry.open(id, dir, 'released'));
      switches.every((s) => s.created).should.be.true();
      new Set(switches.map((s) => s.killSwitch)).size.should.equal(3);
      switches[0].killSwitch.engage({ cause: 'message' });
      switches.map((s) => s.killSwitch.state).should.eql(['engaged', 'released', 'released']);
      await Promise.all(switches.map((s) => s.killSwitch.whenSaved()));
      fs.readdirSync(dir).sort().should.eql(['a%2Fb.json', 'a%3Ab.json', 'a_b.json']);
      const restarted = new Registry();
      ids.map((id) => restarted.open(id, dir, 'released').killSwitch.state).should.eql(['engaged', 'released', 'released']);
    });

    it('upgrades: a file under the old name that records this id is moved to the new name, state and history kept', async function () {
      fs.writeFileSync(path.join(dir, 'a_b.json'), engagedFile('a/b'));
      const { killSwitch } = new Registry().open('a/b', dir, 'released');
      killSwitch.loaded.should.eql({ kind: 'restored' });
      killSwitch.state.should.equal('engaged');
      killSwitch.last.reason.should.equal('kept');
      await killSwitch.whenSaved();
      fs.readdirSync(dir).should.eql(['a%2Fb.json']);
    });

    it('upgrades: a file under the old name that records another id is left to that switch', async function () {
      fs.writeFileSync(path.join(dir, 'a_b.json'), engagedFile('a_b'));
      const registry = new Registry();
      const other = registry.open('a/b', dir, 'released').killSwitch;
      other.loaded.should.eql({ kind: 'initial' });
      other.state.should.equal('released');
      const owner = registry.open('a_b', dir, 'released').killSwitch;
      owner.loaded.should.eql({ kind: 'restored' });
      owner.state.should.equal('engaged');
    });

    it('upgrades: an unreadable file under a shared old name makes both switches fail closed', async function () {
      fs.writeFileSync(path.join(dir, 'a_b.json'), '{"version":1,"state":"rele');
      const registry = new Registry();
      registry.open('a/b', dir, 'released').killSwitch.loaded.kind.should.equal('fail-closed');
      registry.open('a_b', dir, 'released').killSwitch.loaded.kind.should.equal('fail-closed');
    });

    it('upgrades: a long id of safe characters finds its file under the old, uncut name', async function () {
      const id = 'k'.repeat(200);
      fs.writeFileSync(path.join(dir, `${id}.json`), engagedFile(id));
      const { killSwitch } = new Registry().open(id, dir, 'released');
      killSwitch.state.should.equal('engaged');
      await killSwitch.whenSaved();
      const names = fs.readdirSync(dir);
      names.should.eql([path.basename(switchFile(dir, id))]);
      names[0].length.should.be.below(160);
    });
  });

  describe('keeps the record honest', function () {
    const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2028\u2029\u2066-\u2069]/;
    const forged = 'drill\n[info] [kill-switch:ks] released by editor button\r\x1b[31mred\x1b[0m\u2028\u202eend';

    it('records a reason and a user as one printable line, in memory, in listeners and in the file', async function () {
      const { killSwitch } = new Registry().open('s1', dir, 'released');
      const heard = [];
      killSwitch.subscribe({ change: (change) => heard.push(change) });
      const change = killSwitch.engage({ cause: 'message', reason: forged, user: 'eve\nadmin' });
      const expected = 'drill [info] [kill-switch:ks] released by editor button red end';
      change.reason.should.equal(expected);
      change.user.should.equal('eve admin');
      killSwitch.last.reason.should.equal(expected);
      heard[0].reason.should.equal(expected);
      await killSwitch.whenSaved();
      const saved = readState('s1').history.at(-1);
      saved.reason.should.equal(expected);
      for (const value of Object.values(saved)) CONTROL.test(value).should.be.false();
    });

    it('cleans a state file written by an older version or by hand as it reads it', function () {
      const file = switchFile(dir, 's1');
      const history = [
        { state: 'released', at: '2024-01-01T00:00:00.000Z', cause: 'initial' },
        { state: 'engaged', at: '2024-01-02T00:00:00.000Z\n', cause: 'http', reason: forged, user: 'a\x1b[2Kb' },
      ];
      fs.writeFileSync(file, JSON.stringify({ version: 1, id: 's1', state: 'engaged', history }));
      const { killSwitch } = new Registry().open('s1', dir, 'released');
      killSwitch.loaded.kind.should.equal('restored');
      killSwitch.state.should.equal('engaged');
      for (const change of killSwitch.history) for (const value of Object.values(change)) CONTROL.test(value).should.be.false();
      killSwitch.last.should.match({ at: '2024-01-02T00:00:00.000Z', reason: 'drill [info] [kill-switch:ks] released by editor button red end', user: 'ab' });
    });

    it('reads the "editor" cause of older files as what it was: an HTTP call that said it was the editor', function () {
      const file = switchFile(dir, 's1');
      const history = [
        { state: 'released', at: '2024-01-01T00:00:00.000Z', cause: 'initial' },
        { state: 'engaged', at: '2024-01-02T00:00:00.000Z', cause: 'editor', node: 'n1' },
      ];
      fs.writeFileSync(file, JSON.stringify({ version: 1, id: 's1', state: 'engaged', history }, null, 1));
      const { killSwitch } = new Registry().open('s1', dir, 'released');
      killSwitch.loaded.kind.should.equal('restored');
      killSwitch.last.should.eql({ state: 'engaged', at: '2024-01-02T00:00:00.000Z', cause: 'http', claimed: 'editor', node: 'n1' });
      killSwitch.history[0].should.eql(history[0]);
    });

    it('cleans the fail-closed reason, which quotes the bad file', function () {
      const file = switchFile(dir, 's1');
      fs.writeFileSync(file, 'x\n[warn] forged\x1b[31m');
      const { killSwitch } = new Registry().open('s1', dir, 'released');
      killSwitch.state.should.equal('engaged');
      CONTROL.test(killSwitch.last.reason).should.be.false();
      CONTROL.test(killSwitch.loaded.error).should.be.false();
    });
  });

  it('can live in memory only', function () {
    const killSwitch = KillSwitch.open('mem', undefined, 'released');
    killSwitch.engage({ cause: 'message' }).state.should.equal('engaged');
    should(killSwitch.file).be.undefined();
  });
});
