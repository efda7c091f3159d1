'use strict';
// RELP, server side: RelpDecoder reads frames in any chunking, RelpSession
// answers a session as rsyslog's omrelp (librelp's client) holds it, and a
// stream that is not RELP closes the connection.
const should = require('should');
const fc = require('fast-check');
const { RelpDecoder, relpResponse, parseOffers, RELP_SERVER_CLOSE } = require('../../dist/lib/syslog/relp-frames');
const { RelpSession, relpAck } = require('../../dist/lib/syslog/relp-session');
const lib = require('../../dist/lib');

/** A frame as the grammar spells it: TXNR SP COMMAND SP DATALEN [SP DATA] LF. */
function frame(txnr, command, data = '') {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const head = Buffer.from(bytes.length > 0 ? `${txnr} ${command} ${bytes.length} ` : `${txnr} ${command} 0`);
  return Buffer.concat([head, bytes, Buffer.from('\n')]);
}

// What librelp's client sends to open a session (its offers, as relpOffersToString writes them).
const OMRELP_OFFERS = 'relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog';
const SYSLOG_LINES = [
  '<13>2024-05-01T10:00:00.123456+00:00 web1 nginx[812]: 10.0.0.7 - - "GET / HTTP/1.1" 200 612',
  '<86>2024-05-01T10:00:01.000001+00:00 web1 sshd[2201]: Accepted publickey for deploy from 10.0.0.9 port 50122',
  '<14>1 2024-05-01T10:00:02.5Z web1 app 77 ID1 [origin ip="10.0.0.1"] Grüße, 😀',
  '<11>2024-05-01T10:00:03+00:00 web1 kernel: oops',
];
const OMRELP_TRANSCRIPT = Buffer.concat([
  frame(1, 'open', OMRELP_OFFERS),
  ...SYSLOG_LINES.map((line, i) => frame(i + 2, 'syslog', line)),
  frame(SYSLOG_LINES.length + 2, 'close'),
]);

/** An rsp frame's text, its DATALEN counted here. */
function rsp(txnr, data) {
  return `${txnr} rsp ${Buffer.byteLength(data)} ${data}\n`;
}

/** Pushes each chunk; returns all events, checking the buffer bound on the way. */
function run(session, chunks, bound) {
  const events = [];
  for (const chunk of chunks) {
    events.push(...session.push(chunk));
    if (bound !== undefined) session.bufferedBytes.should.be.belowOrEqual(bound);
  }
  return events;
}

/** Events with reply bytes as text, for deepEqual. */
function readable(events) {
  return events.map((event) => (event.kind === 'reply' ? { kind: 'reply', text: event.bytes.toString('utf8') } : event));
}

function byteChunks(bytes) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  return chunks;
}

/** An open session (its open answer consumed). */
function openSession(options = { maxMessageBytes: 1000 }, offers = OMRELP_OFFERS) {
  const session = new RelpSession(options);
  const events = session.push(frame(1, 'open', offers));
  events.should.have.length(1);
  events[0].kind.should.equal('reply');
  return session;
}

describe('relp', function () {
  it('is exported from the engine index', function () {
    lib.RelpSession.should.equal(RelpSession);
    lib.relpAck.should.equal(relpAck);
    lib.RELP_SERVER_CLOSE.should.equal(RELP_SERVER_CLOSE);
  });

  describe('frames written by the server', function () {
    it('answers with rsp frames: TXNR rsp DATALEN CODE SP TEXT [LF extra] LF', function () {
      relpAck(7).toString().should.equal('7 rsp 6 200 OK\n');
      relpResponse(12, 500, 'command not supported').toString().should.equal('12 rsp 25 500 command not supported\n');
      relpResponse(1, 200, 'OK', 'relp_version=0\ncommands=syslog').toString().should.equal('1 rsp 37 200 OK\nrelp_version=0\ncommands=syslog\n');
      relpResponse(3, 500, 'two\nlines').toString().should.equal('3 rsp 13 500 two lines\n');
    });

    it('hints the close with txnr 0 and no data', function () {
      RELP_SERVER_CLOSE.toString().should.equal('0 serverclose 0\n');
    });
  });

  describe('RelpDecoder', function () {
    const frameArb = fc.record({
      txnr: fc.integer({ min: 0, max: 999999999 }),
      command: fc.stringMatching(/^[A-Za-z]{1,32}$/),
      data: fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
    });
    const sizesArb = fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }), fc.constant([1 << 20]));

    it('reads any frames, in any chunks, as they were written; data over the limit comes cut, with cutFrom', function () {
      fc.assert(
        fc.property(fc.array(frameArb, { maxLength: 10 }), sizesArb, fc.integer({ min: 1, max: 80 }), (frames, sizes, max) => {
          const stream = Buffer.concat(frames.map((f) => frame(f.txnr, f.command, f.data)));
          const decoder = new RelpDecoder({ maxDataBytes: max });
          const scratch = Buffer.alloc(stream.length + 1);
          const got = [];
          let pos = 0;
          let step = 0;
          while (pos < stream.length) {
            const size = Math.min(sizes[step++ % sizes.length], stream.length - pos);
            stream.copy(scratch, 0, pos, pos + size);
            const result = decoder.push(scratch.subarray(0, size));
            should(result.problem).be.undefined();
            // Data may be a view of the chunk: copied before the chunk is reused.
            got.push(...result.frames.map((f) => ({ ...f, data: Buffer.from(f.data) })));
            scratch.fill(0xee);
            decoder.bufferedBytes.should.be.belowOrEqual(max);
            pos += size;
          }
          decoder.bufferedBytes.should.equal(0);
          const expected = frames.map((f) => {
            const out = { txnr: f.txnr, command: f.command, data: f.data.subarray(0, max) };
            if (f.data.length > max) out.cutFrom = f.data.length;
            return out;
          });
          got.should.deepEqual(expected);
        }),
        { numRuns: 400 },
      );
    });

    it('never throws on garbage, holds no more than the limit, and stops at the first problem', function () {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), sizesArb, fc.integer({ min: 1, max: 50 }), (bytes, sizes, max) => {
          const decoder = new RelpDecoder({ maxDataBytes: max });
          const stream = Buffer.from(bytes);
          let problems = 0;
          let pos = 0;
          let step = 0;
          while (pos < stream.length) {
            const size = Math.min(sizes[step++ % sizes.length], stream.length - pos);
            const result = decoder.push(stream.subarray(pos, pos + size));
            if (problems > 0) result.frames.should.deepEqual([]);
            if (result.problem !== undefined) {
              result.problem.should.be.a.String();
              problems++;
            }
            decoder.bufferedBytes.should.be.belowOrEqual(max);
            pos += size;
          }
          problems.should.be.belowOrEqual(1);
        }),
        { numRuns: 500 },
      );
    });

    function problemOf(text, maxDataBytes = 100) {
      const result = new RelpDecoder({ maxDataBytes }).push(Buffer.from(text));
      should(result.problem).be.a.String();
      return result.problem;
    }

    it('names what is wrong with a malformed frame', function () {
      problemOf('x open 0\n').should.equal("a frame starts with 'x', not a transaction number");
      problemOf('1234567890 open 0\n').should.equal('a transaction number has more than 9 digits');
      problemOf('1\topen 0\n').should.equal('a transaction number is followed by byte 0x09, not a space');
      problemOf('1 op3n 0\n').should.equal('the command "op" is followed by \'3\', not a space');
      problemOf('1  open 0\n').should.equal('frame 1 has byte 0x20 where its command should start');
      problemOf(`1 ${'a'.repeat(33)} 0\n`).should.equal('a command is longer than 32 letters');
      problemOf('1 open \n').should.equal('the open frame 1 has byte 0x0a where its data length should be');
      problemOf('1 open 0 \n').should.equal('the open frame 1 has no data but byte 0x20 where its LF should be');
      problemOf('1 open 3 abcX').should.equal("the open frame 1 does not end with LF after its 3 data bytes (found 'X')");
      problemOf('1 syslog 5x').should.equal("the data length of the syslog frame 1 is followed by 'x', not a space");
      problemOf('1 syslog 1234567890 x').should.equal('the data length of the syslog frame 1 has more than 9 digits');
    });

    it('finds a missing trailer also when the data arrived in pieces', function () {
      const decoder = new RelpDecoder({ maxDataBytes: 2 });
      decoder.push(Buffer.from('1 syslog 5 ab')).should.deepEqual({ frames: [] });
      decoder.push(Buffer.from('cd')).should.deepEqual({ frames: [] });
      decoder.push(Buffer.from('eX')).problem.should.equal("the syslog frame 1 does not end with LF after its 5 data bytes (found 'X')");
      decoder.push(Buffer.from('1 close 0\n')).should.deepEqual({ frames: [] });
    });

    it('takes a 32-letter command and 9-digit numbers', function () {
      const command = 'a'.repeat(32);
      const result = new RelpDecoder({ maxDataBytes: 10 }).push(Buffer.from(`999999999 ${command} 000000003 abc\n`));
      result.should.deepEqual({ frames: [{ txnr: 999999999, command, data: Buffer.from('abc') }] });
    });
  });

  describe('RelpSession', function () {
    it('holds a whole omrelp session: open with offers, syslog frames, close', function () {
      const session = new RelpSession({ maxMessageBytes: 1000, software: 'log-ingest,0.3.0' });
      const events = readable(session.push(OMRELP_TRANSCRIPT));
      events.should.deepEqual([
        { kind: 'reply', text: rsp(1, '200 OK\nrelp_version=0\nrelp_software=log-ingest,0.3.0\ncommands=syslog') },
        ...SYSLOG_LINES.map((text, i) => ({ kind: 'message', txnr: i + 2, text, invalidUtf8: false })),
        { kind: 'reply', text: rsp(6, '200 OK') },
        { kind: 'close', reason: 'client-close' },
      ]);
      session.closed.should.be.true();
      session.push(frame(7, 'syslog', 'late')).should.deepEqual([]);
    });

    it('answers open as librelp\'s client reads it: 200, then relp_version not above 0 and the syslog command', function () {
      const reply = new RelpSession({ maxMessageBytes: 100 }).push(frame(1, 'open', OMRELP_OFFERS))[0].bytes;
      // rsp frame, its data: "200 OK" LF offers.
      const match = /^1 rsp (\d+) ([\s\S]*)\n$/.exec(reply.toString());
      should(match).not.be.null();
      Number(match[1]).should.equal(Buffer.byteLength(match[2]));
      const [status, ...offerLines] = match[2].split('\n');
      status.should.equal('200 OK');
      const offers = parseOffers(offerLines.join('\n'));
      offers.get('relp_version').should.deepEqual(['0']);
      offers.get('commands').should.deepEqual(['syslog']);
      offers.get('relp_software').should.deepEqual(['node-red-log-ingest']);
    });

    it('gives the same events whatever byte the transcript is split at', function () {
      const whole = readable(new RelpSession({ maxMessageBytes: 1000 }).push(OMRELP_TRANSCRIPT));
      for (let at = 1; at < OMRELP_TRANSCRIPT.length; at++) {
        const session = new RelpSession({ maxMessageBytes: 1000 });
        readable(run(session, [OMRELP_TRANSCRIPT.subarray(0, at), OMRELP_TRANSCRIPT.subarray(at)])).should.deepEqual(whole);
      }
      readable(run(new RelpSession({ maxMessageBytes: 1000 }), byteChunks(OMRELP_TRANSCRIPT))).should.deepEqual(whole);
    });

    it('answers 500 and closes when anything comes before open', function () {
      const events = readable(new RelpSession({ maxMessageBytes: 100 }).push(frame(1, 'syslog', '<13>early')));
      events.should.deepEqual([
        { kind: 'reply', text: rsp(1, '500 session not open') },
        { kind: 'close', reason: 'protocol-error', detail: '"syslog" before "open"' },
      ]);
    });

    it('refuses an open without a numeric relp_version offer', function () {
      for (const offers of ['commands=syslog', 'relp_version\ncommands=syslog', 'relp_version=x']) {
        const events = readable(new RelpSession({ maxMessageBytes: 100 }).push(frame(1, 'open', offers)));
        events.should.deepEqual([
          { kind: 'reply', text: rsp(1, '500 relp_version offer missing or invalid') },
          { kind: 'close', reason: 'protocol-error', detail: '"open" without a valid relp_version offer' },
        ]);
      }
    });

    it('does not enable syslog for a client that did not offer it', function () {
      const session = new RelpSession({ maxMessageBytes: 100 });
      readable(session.push(frame(1, 'open', 'relp_version=0'))).should.deepEqual([
        { kind: 'reply', text: rsp(1, '200 OK\nrelp_version=0\nrelp_software=node-red-log-ingest\ncommands=') },
      ]);
      readable(session.push(frame(2, 'syslog', '<13>x'))).should.deepEqual([{ kind: 'reply', text: rsp(2, '500 command disabled') }]);
    });

    it('answers an unknown command with 500 and keeps the session', function () {
      const session = openSession();
      readable(session.push(Buffer.concat([frame(2, 'starttls'), frame(3, 'syslog', '<13>after')]))).should.deepEqual([
        { kind: 'reply', text: rsp(2, '500 command not supported: starttls') },
        { kind: 'message', txnr: 3, text: '<13>after', invalidUtf8: false },
      ]);
    });

    it('closes on a second open, a transaction number out of sequence, or a frame that does not parse', function () {
      readable(openSession().push(frame(2, 'open', OMRELP_OFFERS))).should.deepEqual([
        { kind: 'reply', text: rsp(2, '500 session already open') },
        { kind: 'close', reason: 'protocol-error', detail: 'a second "open"' },
      ]);
      readable(openSession().push(Buffer.concat([frame(2, 'syslog', 'a'), frame(2, 'syslog', 'b')]))).should.deepEqual([
        { kind: 'message', txnr: 2, text: 'a', invalidUtf8: false },
        { kind: 'close', reason: 'protocol-error', detail: 'transaction number 2 where 3 was due' },
      ]);
      readable(openSession().push(Buffer.concat([frame(2, 'syslog', 'a'), Buffer.from('3 syslog x\n')]))).should.deepEqual([
        { kind: 'message', txnr: 2, text: 'a', invalidUtf8: false },
        { kind: 'close', reason: 'protocol-error', detail: "the syslog frame 3 has 'x' where its data length should be" },
      ]);
      readable(new RelpSession({ maxMessageBytes: 100 }).push(Buffer.from('GET / HTTP/1.1\r\n'))).should.deepEqual([
        { kind: 'close', reason: 'protocol-error', detail: "a frame starts with 'G', not a transaction number" },
      ]);
    });

    it('closes on a DATALEN of 10 digits', function () {
      readable(openSession().push(Buffer.from('2 syslog 1000000000 <13>x'))).should.deepEqual([
        { kind: 'close', reason: 'protocol-error', detail: 'the data length of the syslog frame 2 has more than 9 digits' },
      ]);
    });

    it('ignores hints (txnr 0) from the client', function () {
      const session = openSession();
      readable(session.push(Buffer.concat([frame(0, 'hello', 'x'), frame(2, 'syslog', 'a')]))).should.deepEqual([
        { kind: 'message', txnr: 2, text: 'a', invalidUtf8: false },
      ]);
    });

    it('wraps the transaction number from 999999999 to 1', function () {
      const session = new RelpSession({ maxMessageBytes: 100 });
      // White box: a long session, near its end.
      session.expectedTxnr = 999999998;
      session.state = 'open';
      session.syslogEnabled = true;
      session.push(Buffer.concat([frame(999999998, 'syslog', 'a'), frame(999999999, 'syslog', 'b'), frame(1, 'syslog', 'c')])).map((e) => e.txnr).should.deepEqual([999999998, 999999999, 1]);
    });

    it('drops one trailing LF or CRLF of the data and flags invalid UTF-8', function () {
      const session = openSession();
      readable(session.push(Buffer.concat([frame(2, 'syslog', '<13>a\n'), frame(3, 'syslog', '<13>b\r\n'), frame(4, 'syslog', '<13>c\n\n'), frame(5, 'syslog', Buffer.from([0x3c, 0x31, 0x3e, 0xff])), frame(6, 'syslog')]))).should.deepEqual([
        { kind: 'message', txnr: 2, text: '<13>a', invalidUtf8: false },
        { kind: 'message', txnr: 3, text: '<13>b', invalidUtf8: false },
        { kind: 'message', txnr: 4, text: '<13>c\n', invalidUtf8: false },
        { kind: 'message', txnr: 5, text: '<1>\ufffd', invalidUtf8: true },
        { kind: 'message', txnr: 6, text: '', invalidUtf8: false },
      ]);
    });

    it('delivers oversize data cut (whole characters), still to acknowledge, and skips the rest as it arrives', function () {
      const max = 100;
      const session = openSession({ maxMessageBytes: max });
      // 5 + 2 × 47 = 99 bytes: the 48th 'é' would be cut in two, so it is left out.
      const body = '<13>x' + 'é'.repeat(20000);
      const stream = Buffer.concat([frame(2, 'syslog', body), frame(3, 'syslog', '<13>next')]);
      const chunks = [];
      for (let i = 0; i < stream.length; i += 1000) chunks.push(stream.subarray(i, i + 1000));
      const events = run(session, chunks, 4096);
      events.should.deepEqual([
        { kind: 'message', txnr: 2, text: '<13>x' + 'é'.repeat(47), cutFrom: Buffer.byteLength(body), invalidUtf8: false },
        { kind: 'message', txnr: 3, text: '<13>next', invalidUtf8: false },
      ]);
      session.closed.should.be.false();
    });

    it('cuts data a little over the limit, and not data of the limit plus its LF', function () {
      const session = openSession({ maxMessageBytes: 10 });
      readable(session.push(Buffer.concat([frame(2, 'syslog', '0123456789\r\n'), frame(3, 'syslog', '0123456789a\n')]))).should.deepEqual([
        { kind: 'message', txnr: 2, text: '0123456789', invalidUtf8: false },
        { kind: 'message', txnr: 3, text: '0123456789', cutFrom: 11, invalidUtf8: false },
      ]);
    });

    it('refuses an open whose offers are over what it holds', function () {
      const events = readable(new RelpSession({ maxMessageBytes: 100 }).push(frame(1, 'open', `relp_version=0\nx=${'y'.repeat(5000)}`)));
      events.should.deepEqual([
        { kind: 'reply', text: rsp(1, '500 offers too long') },
        { kind: 'close', reason: 'protocol-error', detail: '"open" with 5017 bytes of offers' },
      ]);
    });

    it('never throws on garbage after open, and holds a bounded number of bytes', function () {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), fc.integer({ min: 64, max: 5000 }), (chunks, max) => {
          const session = openSession({ maxMessageBytes: max });
          const events = run(session, chunks.map((c) => Buffer.from(c)), Math.max(max + 2, 4096));
          events.filter((e) => e.kind === 'close').length.should.be.belowOrEqual(1);
          if (events.length > 0 && events[events.length - 1].kind !== 'close') session.closed.should.be.false();
        }),
        { numRuns: 300 },
      );
    });
  });
});
