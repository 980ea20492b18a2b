// The sealed codec on its own: the checks it makes of what it is built with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SealedCodec } from 'signet-session';

describe('SealedCodec', () => {
  it('refuses a cookie name its key derivation cannot bind (HKDF info is at most 1024 bytes), naming cookieName', () => {
    assert.throws(() => new SealedCodec({ secret: 'k', cookieName: 's'.repeat(1001) }), /^TypeError: cookieName is invalid: "s{40}…" \(1001 characters\) \(.*at most 1000 bytes\)$/);
    assert.throws(() => new SealedCodec({ secret: 'k', cookieName: undefined as unknown as string }), /^TypeError: cookieName is invalid: "undefined"/);
  });

  it('seals and opens with the longest name it takes', () => {
    const codec = new SealedCodec({ secret: 'k', cookieName: 's'.repeat(1000), clock: () => 1_700_000_000_000 });
    const token = codec.sealJson('{"a":1}', { createdAt: 1_700_000_000, issuedAt: 1_700_000_000, expiresAt: 1_800_000_000 });
    const opened = codec.open(token);
    assert.ok(opened.ok, JSON.stringify(opened));
    assert.equal(opened.value.json, '{"a":1}');
  });
});
