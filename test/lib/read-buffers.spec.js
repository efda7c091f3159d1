'use strict';
// read-buffers: the buffers lent to readers are bounded for the whole process.
const should = require('should');
const { borrowBuffer, returnBuffer, inlineBuffer } = require('../../dist/lib/read-buffers');

describe('read-buffers', function () {
  it('lends at most four buffers at once, and lends a returned one again', function () {
    const size = 128 * 1024;
    const lent = [];
    for (let i = 0; i < 10; i++) {
      const buffer = borrowBuffer(size);
      if (buffer) lent.push(buffer);
    }
    try {
      should(lent.length).be.within(1, 4);
      should(borrowBuffer(size)).be.undefined();
      returnBuffer(lent.pop());
      const again = borrowBuffer(size);
      should(again).be.ok();
      should(again.length).equal(size);
      lent.push(again);
    } finally {
      for (const buffer of lent) returnBuffer(buffer);
    }
  });

  it('gives every inline read the same buffer, grown when a larger one is asked for', function () {
    const small = inlineBuffer(16);
    should(inlineBuffer(8)).equal(small);
    const large = inlineBuffer(small.length + 1);
    should(large.length).be.aboveOrEqual(small.length + 1);
    should(inlineBuffer(16)).equal(large);
  });
});
