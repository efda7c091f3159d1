'use strict';
require('should');
const { FollowerStatus } = require('../../dist/lib/follower-status');

describe('follower-status', function () {
  function status() {
    const heard = { states: [], errors: [] };
    const events = { state: (s) => heard.states.push(s), error: (e) => heard.errors.push(e) };
    return { heard, status: new FollowerStatus({ path: '/var/log/app.log' }, events) };
  }

  it("is 'waiting' until told otherwise, and tells its listener of a state only when it changes", function () {
    const { heard, status: s } = status();
    s.current.should.equal('waiting');
    s.set('following');
    s.set('following');
    s.set('paused');
    s.current.should.equal('paused');
    heard.states.should.eql(['following', 'paused']);
  });

  it('tells an error once per reason until the follower recovers', function () {
    const { heard, status: s } = status();
    const denied = Object.assign(new Error('no access'), { code: 'EACCES' });
    s.error('denied', denied);
    s.error('denied', denied);
    heard.errors.should.eql([{ path: '/var/log/app.log', reason: 'denied', code: 'EACCES', message: 'no access' }]);
    s.error('read', 'odd failure');
    heard.errors[1].should.eql({ path: '/var/log/app.log', reason: 'read', code: 'EUNKNOWN', message: 'odd failure' });
    s.recovered('following');
    s.error('read', 'odd failure');
    heard.errors.should.have.length(3);
    heard.states.should.eql(['error', 'following', 'error']);
  });
});
