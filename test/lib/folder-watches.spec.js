'use strict';
// FolderWatches with fake folder watchers: names collected per turn of the
// event loop, and what a watch's failure means.
const { EventEmitter } = require('events');
const path = require('path');
const should = require('should');
const { FolderWatches } = require('../../dist/lib/folder-watches');

/** FolderWatches whose watchers are fakes that record what they are told. */
function watches() {
  const told = { names: [], lostTrack: 0, failed: [] };
  const watchers = new Map();
  const fakeWatch = (dir, listener) => {
    const watcher = Object.assign(new EventEmitter(), { closed: false, listener });
    watcher.close = () => {
      watcher.closed = true;
    };
    watchers.set(dir, watcher);
    return watcher;
  };
  const folders = new FolderWatches(
    {
      name: (full, depth, renamed) => told.names.push({ full, depth, renamed }),
      lostTrack: () => told.lostTrack++,
      failed: (err) => told.failed.push(err.code),
    },
    fakeWatch,
  );
  return { folders, watchers, told };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('folder-watches', function () {
  const root = path.resolve('/logs');

  it('tells a name written many times in one turn once, as renamed if any of its events was a rename', async function () {
    const { folders, watchers, told } = watches();
    folders.watch(root, 0);
    const listener = watchers.get(root).listener;
    for (let i = 0; i < 100; i++) listener('change', 'a.log');
    listener('change', 'b.log');
    listener('rename', 'b.log');
    await nextTurn();
    should(told.names).eql([
      { full: path.join(root, 'a.log'), depth: 0, renamed: false },
      { full: path.join(root, 'b.log'), depth: 0, renamed: true },
    ]);
  });

  it('watches a folder once, and hears nothing from it once unwatched', async function () {
    const { folders, watchers, told } = watches();
    folders.watch(root, 0);
    const first = watchers.get(root);
    folders.watch(root, 0);
    should(watchers.get(root)).equal(first);
    folders.unwatch(root);
    should(first.closed).be.true();
    first.listener('change', 'a.log');
    await nextTurn();
    should(told.names).eql([]);
  });

  it('loses track when a folder cannot say which name changed, or its watch fails; fails over when out of watches', function () {
    const { folders, watchers, told } = watches();
    folders.watch(root, 0);
    watchers.get(root).listener('rename', null);
    should(told.lostTrack).equal(1);
    watchers.get(root).emit('error', Object.assign(new Error('gone'), { code: 'EPERM' }));
    should(told.lostTrack).equal(2);
    should(watchers.get(root).closed).be.true();
    folders.watch(root, 0);
    watchers.get(root).emit('error', Object.assign(new Error('no watches'), { code: 'ENOSPC' }));
    should(told.failed).eql(['ENOSPC']);
    should(told.lostTrack).equal(2);
  });

  it('stops watching a folder and every folder below it, and none beside it', function () {
    const { folders, watchers } = watches();
    for (const [dir, depth] of [[root, 0], [path.join(root, 'a'), 1], [path.join(root, 'a', 'b'), 2], [path.join(root, 'ab'), 1]]) folders.watch(dir, depth);
    folders.unwatchTree(path.join(root, 'a'));
    should([...watchers].filter(([, w]) => w.closed).map(([dir]) => dir)).eql([path.join(root, 'a'), path.join(root, 'a', 'b')]);
  });
});
