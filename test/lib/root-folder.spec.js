'use strict';
// RootFolder: a dir-watch's folder behind a link, and its pseudo file system
// check asked once per device.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { tempDir } = require('../support/collect');
const { RootFolder } = require('../../dist/lib/root-folder');

describe('root-folder', function () {
  let dir;
  beforeEach(function () {
    dir = fs.realpathSync(tempDir());
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a folder behind a link, and turns its real paths back into paths under the link', async function () {
    const real = path.join(dir, 'real');
    const link = path.join(dir, 'link');
    fs.mkdirSync(real);
    fs.symlinkSync(real, link);
    const root = new RootFolder(link, { fileSystemType: async () => 0xef53 });
    const found = await root.find();
    should(found).containEql({ real, pseudo: undefined });
    should(root.fromReal(path.join(real, 'a', 'b.log'))).equal(path.join(link, 'a', 'b.log'));
    should(root.fromReal(path.join(dir, 'elsewhere.log'))).equal(path.join(dir, 'elsewhere.log'));
    should(root.realPathOf(path.join(link, 'a'))).equal(path.join(real, 'a'));
    should(root.inside(path.join(real, 'a'))).be.true();
    should(root.inside(real)).be.true();
    should(root.inside(path.join(dir, 'realm'))).be.false();
  });

  it('finds nothing where no folder is', async function () {
    fs.writeFileSync(path.join(dir, 'file'), '');
    should(await new RootFolder(path.join(dir, 'file'), {}).find()).be.undefined();
    should(await new RootFolder(path.join(dir, 'none'), {}).find()).be.undefined();
  });

  it('asks the file system type once per device, and not at all when pseudo file systems are allowed', async function () {
    let asked = 0;
    const proc = async () => {
      asked++;
      return 0x9fa0; // proc
    };
    const root = new RootFolder(dir, { fileSystemType: proc });
    should(root.isKnownPseudo(42)).be.undefined();
    should(await root.pseudoAt('/a', 42)).equal('proc');
    should(await root.pseudoAt('/b', 42)).equal('proc');
    should(asked).equal(1);
    should(root.isKnownPseudo(42)).be.true();
    const allowing = new RootFolder(dir, { fileSystemType: proc, pseudoFs: true });
    should(await allowing.pseudoAt('/a', 42)).be.undefined();
    should(asked).equal(1);
  });
});
