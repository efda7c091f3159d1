'use strict';
// OnceReports: a rescan that meets the same problem again reports nothing new.
const should = require('should');
const { OnceReports } = require('../../dist/lib/once-reports');

describe('once-reports', function () {
  it('reports an error once per code and path, and a skip once per path and reason', function () {
    const told = [];
    const reports = new OnceReports({
      error: (err, where) => told.push(`error ${err.code} ${where}`),
      skipped: (where, reason, detail) => told.push(`skip ${reason} ${where} ${JSON.stringify(detail)}`),
    });
    const denied = Object.assign(new Error('denied'), { code: 'EACCES' });
    reports.error(denied, '/a');
    reports.error(denied, '/a');
    reports.error(Object.assign(new Error('gone'), { code: 'EIO' }), '/a');
    should(reports.skipped('/a/l.log', 'symlink')).be.false();
    reports.skip('/a/l.log', 'symlink');
    reports.skip('/a/l.log', 'symlink');
    reports.skip('/a/l.log', 'outside', { why: 1 });
    should(reports.skipped('/a/l.log', 'symlink')).be.true();
    should(told).eql(['error EACCES /a', 'error EIO /a', 'skip symlink /a/l.log {}', 'skip outside /a/l.log {"why":1}']);
  });

  it('reports skips to a sink that does not take them without failing', function () {
    const reports = new OnceReports({ error: () => undefined });
    reports.skip('/a/l.log', 'name');
    should(reports.skipped('/a/l.log', 'name')).be.true();
  });
});
