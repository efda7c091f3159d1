'use strict';
const should = require('should');
const { ReportThrottle } = require('../../dist/lib/report-throttle');

describe('ReportThrottle', function () {
  it('lets the first report of a cause through, holds the rest for the interval, then says how many it held', function () {
    const throttle = new ReportThrottle(1000);
    should(throttle.pass('a', 0)).eql({ heldBack: 0 });
    should(throttle.pass('a', 10)).be.undefined();
    should(throttle.pass('a', 999)).be.undefined();
    should(throttle.pass('b', 999)).eql({ heldBack: 0 });
    should(throttle.pass('a', 1000)).eql({ heldBack: 2 });
    should(throttle.pass('a', 1001)).be.undefined();
  });

  it('remembers at most maxCauses causes, forgetting the oldest first', function () {
    const throttle = new ReportThrottle(1000, 2);
    throttle.pass('a', 0);
    throttle.pass('b', 0);
    throttle.pass('c', 0); // a is forgotten
    should(throttle.pass('a', 1)).eql({ heldBack: 0 });
    should(throttle.pass('c', 1)).be.undefined();
  });
});
