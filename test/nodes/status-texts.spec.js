'use strict';
// Node-RED shows a node's status under the node on the canvas: texts of 20
// characters or more run past it. Every status text of every catalog, in
// every language, with its placeholders at their widest (a count as
// compactCount writes it, "1.2k" or "999k"; an attempt or seconds in two digits).
const fs = require('fs');
const path = require('path');
const should = require('should');

const LOCALES = path.join(__dirname, '..', '..', 'locales');
const NARROW = new Set(['attempt', 'seconds']);

/** [file, key, text] for every string under a `status` key. */
function statusTexts() {
  const out = [];
  for (const lang of fs.readdirSync(LOCALES)) {
    for (const file of fs.readdirSync(path.join(LOCALES, lang)).filter((f) => f.endsWith('.json'))) {
      const walk = (value, keys) => {
        if (typeof value === 'string') {
          if (keys.includes('status')) out.push([`${lang}/${file}`, keys.join('.'), value]);
        } else if (value && typeof value === 'object') {
          for (const [k, v] of Object.entries(value)) walk(v, [...keys, k]);
        }
      };
      walk(JSON.parse(fs.readFileSync(path.join(LOCALES, lang, file), 'utf8')), []);
    }
  }
  return out;
}

describe('status texts', function () {
  it('are under 20 characters in every language, placeholders at their widest', function () {
    const texts = statusTexts();
    texts.length.should.be.above(40);
    const long = texts
      .map(([file, key, text]) => [file, key, text.replace(/__(\w+)__/g, (_, name) => (NARROW.has(name) ? '99' : '999k'))])
      .filter(([, , shown]) => shown.length >= 20);
    should(long).eql([], long.map(([file, key, shown]) => `${file} ${key}: "${shown}" (${shown.length})`).join('\n'));
  });
});
