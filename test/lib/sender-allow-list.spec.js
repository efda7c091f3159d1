'use strict';
// SenderAllowList: addresses and CIDR ranges, IPv4 and IPv6, matched also in
// the forms a socket gives (IPv4-mapped IPv6, a zone); bad entries named.
const should = require('should');
const fc = require('fast-check');
const { SenderAllowList } = require('../../dist/lib/syslog/sender-allow-list');
const lib = require('../../dist/lib');

describe('syslog sender-allow-list', function () {
  it('is exported from the engine index', function () {
    lib.SenderAllowList.should.equal(SenderAllowList);
  });

  it('allows everyone when the list is empty or blank', function () {
    for (const text of ['', '  ', '\n, ,\t']) {
      const list = SenderAllowList.parse(text);
      list.everyone.should.be.true();
      list.allows('203.0.113.9').should.be.true();
      list.allows('2001:db8::1').should.be.true();
      list.toString().should.equal('');
    }
  });

  it('splits entries on commas, whitespace and line breaks, and lists them back', function () {
    const list = SenderAllowList.parse(' 10.0.0.0/8,192.168.1.7\n::1 \t fd00::/8,,\r\n');
    list.everyone.should.be.false();
    list.toString().should.equal('10.0.0.0/8, 192.168.1.7, ::1, fd00::/8');
  });

  describe('IPv4', function () {
    const list = SenderAllowList.parse('10.0.0.0/8, 192.168.1.7, 172.16.0.0/12');

    it('matches addresses and ranges, edges included', function () {
      list.allows('192.168.1.7').should.be.true();
      list.allows('192.168.1.8').should.be.false();
      list.allows('10.0.0.0').should.be.true();
      list.allows('10.255.255.255').should.be.true();
      list.allows('11.0.0.0').should.be.false();
      list.allows('9.255.255.255').should.be.false();
      list.allows('172.16.0.0').should.be.true();
      list.allows('172.31.255.255').should.be.true();
      list.allows('172.32.0.0').should.be.false();
      list.allows('172.15.255.255').should.be.false();
    });

    it('matches the IPv4-mapped IPv6 form a dual-stack socket gives', function () {
      list.allows('::ffff:10.1.2.3').should.be.true();
      list.allows('::FFFF:192.168.1.7').should.be.true();
      list.allows('::ffff:a01:203').should.be.true(); // 10.1.2.3
      list.allows('::ffff:11.1.2.3').should.be.false();
      list.allows('::ffff:c0a8:108').should.be.false(); // 192.168.1.8
    });

    it('does not match an IPv6 address that is not a mapped one', function () {
      list.allows('::10.1.2.3').should.be.false();
      list.allows('64:ff9b::10.1.2.3').should.be.false();
    });

    it('takes /0 and /32, and a range written with host bits set', function () {
      SenderAllowList.parse('0.0.0.0/0').allows('203.0.113.9').should.be.true();
      SenderAllowList.parse('0.0.0.0/0').allows('2001:db8::1').should.be.false();
      const one = SenderAllowList.parse('203.0.113.9/32');
      one.allows('203.0.113.9').should.be.true();
      one.allows('203.0.113.10').should.be.false();
      SenderAllowList.parse('10.1.2.3/8').allows('10.200.0.1').should.be.true();
    });
  });

  describe('IPv6', function () {
    const list = SenderAllowList.parse('::1, fd00::/8, 2001:db8:1::/48, fe80::/10');

    it('matches addresses and ranges, edges included, in any spelling', function () {
      list.allows('::1').should.be.true();
      list.allows('0:0:0:0:0:0:0:1').should.be.true();
      list.allows('::2').should.be.false();
      list.allows('fd00::').should.be.true();
      list.allows('fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').should.be.true();
      list.allows('fe00::').should.be.false();
      list.allows('fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').should.be.false();
      list.allows('2001:DB8:1:ffff::9').should.be.true();
      list.allows('2001:db8:2::9').should.be.false();
    });

    it('matches an address with a zone as the address', function () {
      list.allows('fe80::1%eth0').should.be.true();
      list.allows('fe80::1%25').should.be.true();
      SenderAllowList.parse('fd00::/8').allows('fe80::1%eth0').should.be.false();
    });

    it('matches an IPv4 sender against a mapped range, and /128', function () {
      SenderAllowList.parse('::ffff:10.0.0.0/104').allows('10.9.9.9').should.be.true();
      SenderAllowList.parse('::ffff:10.0.0.0/104').allows('11.9.9.9').should.be.false();
      SenderAllowList.parse('2001:db8::7/128').allows('2001:db8::7').should.be.true();
      SenderAllowList.parse('2001:db8::7/128').allows('2001:db8::8').should.be.false();
    });
  });

  describe('bad entries', function () {
    function messageOf(text) {
      try {
        SenderAllowList.parse(text);
      } catch (err) {
        err.should.be.an.instanceOf(Error);
        return err.message;
      }
      throw new Error(`parsed: ${text}`);
    }

    it('names the entry and why it is not an address or range', function () {
      messageOf('10.0.0.0/8, host.example.com').should.equal('"host.example.com" is not an address or CIDR range: "host.example.com" is not an IPv4 or IPv6 address');
      messageOf('10.0.0.256').should.equal('"10.0.0.256" is not an address or CIDR range: "10.0.0.256" is not an IPv4 or IPv6 address');
      messageOf('10.0.0.0/33').should.equal('"10.0.0.0/33" is not an address or CIDR range: the prefix length "33" is not a number from 0 to 32');
      messageOf('fd00::/129').should.equal('"fd00::/129" is not an address or CIDR range: the prefix length "129" is not a number from 0 to 128');
      messageOf('10.0.0.0/').should.equal('"10.0.0.0/" is not an address or CIDR range: the prefix length "" is not a number from 0 to 32');
      messageOf('10.0.0.0/8/8').should.equal('"10.0.0.0/8/8" is not an address or CIDR range: the prefix length "8/8" is not a number from 0 to 32');
      messageOf('10.0.0.0/-1').should.equal('"10.0.0.0/-1" is not an address or CIDR range: the prefix length "-1" is not a number from 0 to 32');
      messageOf('10.0.0.0/0x8').should.match(/prefix length "0x8"/);
      messageOf('/8').should.equal('"/8" is not an address or CIDR range: "" is not an IPv4 or IPv6 address');
      messageOf('fe80::1%eth0').should.equal('"fe80::1%eth0" is not an address or CIDR range: a zone (%…) cannot be part of an allowed address');
      messageOf('10.0.0.1-10.0.0.9').should.match(/^"10.0.0.1-10.0.0.9" is not an address/);
      messageOf('*').should.match(/^"\*" is not an address/);
    });
  });

  describe('garbage addresses', function () {
    const list = SenderAllowList.parse('0.0.0.0/0, ::/0');
    const everyone = SenderAllowList.parse('');

    it('are never allowed, even when every address is', function () {
      for (const address of ['', 'garbage', '10.0.0', '10.0.0.1:514', '[::1]', '::1]', '%eth0', '10.0.0.1%eth0x', undefined, null, 42, {}]) {
        list.allows(address).should.be.false();
        everyone.allows(address).should.be.false();
      }
    });

    it('never throw', function () {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.anything()), (address) => {
          const allowed = list.allows(address);
          allowed.should.be.a.Boolean();
          if (typeof address === 'string' && /^[\d.]+$/.test(address) && address.split('.').length === 4) {
            // fc.ipV4 gives dotted quads: inside 0.0.0.0/0 when they are addresses.
            allowed.should.equal(require('node:net').isIP(address) === 4);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('parse never throws anything but an Error, naming an entry', function () {
      fc.assert(
        fc.property(fc.string(), (text) => {
          try {
            SenderAllowList.parse(text);
          } catch (err) {
            err.should.be.an.instanceOf(Error);
            err.message.should.match(/^".+" is not an address or CIDR range: /);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
