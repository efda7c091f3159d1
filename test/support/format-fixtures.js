'use strict';
// What the specs of the syslog, CEF and LEEF formats share: the check of a
// fixture file (test/fixtures/formats/*.json) and the "never throws" property.
const should = require('should');

/** The default clock of the fixture cases. */
const FIXTURE_NOW = '2024-01-05T10:00:00Z';

/** The context a fixture case is read in: now FIXTURE_NOW, UTC, unless the case says otherwise. */
function contextOf(testCase) {
  return { now: new Date(testCase.now || FIXTURE_NOW), timezone: testCase.timezone || 'UTC' };
}

/** The value at a dotted ECS path ('source.ip') in nested objects. */
function atPath(object, path) {
  return path.split('.').reduce((at, key) => (at !== null && typeof at === 'object' && Object.prototype.hasOwnProperty.call(at, key) ? at[key] : undefined), object);
}

/**
 * One test per case of a fixture file: each names `line` and either
 * `error: true`, or `expect` (native fields; null means absent) and `ecs`
 * (dotted ECS paths; null means absent).
 */
function checkFixtures(format, file) {
  const cases = require(`../fixtures/formats/${file}`);
  for (const testCase of cases) {
    it(testCase.name, function () {
      const outcome = format.parse(testCase.line, contextOf(testCase));
      if (testCase.error) {
        outcome.ok.should.be.false();
        outcome.error.message.should.be.a.String().and.not.be.empty();
        outcome.error.at.should.be.within(0, testCase.line.length);
        return;
      }
      should(outcome.error).be.undefined();
      outcome.ok.should.be.true();
      for (const [key, value] of Object.entries(testCase.expect || {})) {
        if (value === null) should(Object.prototype.hasOwnProperty.call(outcome.fields, key)).be.false(`${key} should be absent`);
        else should(outcome.fields[key]).eql(value, key);
      }
      const ecs = format.toEcs(outcome.fields, testCase.line);
      atPath(ecs, 'event.original').should.equal(testCase.line);
      for (const [path, value] of Object.entries(testCase.ecs || {})) {
        if (value === null) should(atPath(ecs, path) === undefined).be.true(`${path} should be absent`);
        else should(atPath(ecs, path)).eql(value, path);
      }
    });
  }
}

/** For a fast-check property: `line` parses to an outcome (an ECS object, or an error inside the line), and detect answers. */
function parsesWithoutThrowing(format, line, context) {
  const outcome = format.parse(line, context);
  outcome.ok.should.be.a.Boolean();
  if (outcome.ok) format.toEcs(outcome.fields, line).should.be.an.Object();
  else outcome.error.at.should.be.within(0, line.length);
  format.detect(line).should.be.a.Boolean();
}

module.exports = { FIXTURE_NOW, contextOf, atPath, checkFixtures, parsesWithoutThrowing };
