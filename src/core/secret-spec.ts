/**
 * Secrets as text in configuration: `hex:...` or `base64:...` for a binary key,
 * anything else as UTF-8 text. The lesson's binary key is `hex:3f77855a0851bd4fb8a9b6354b6aa95f`.
 */

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$|^[A-Za-z0-9_-]+$/;

/**
 * The bytes of a secret written as `hex:...`, `base64:...` (standard or URL-safe) or text.
 *
 * @throws TypeError naming `what` for an empty or undecodable secret; the message
 *   describes the value without echoing it, since it is a secret.
 */
export function parseSecretSpec(spec: string, what = 'SECRET_KEY'): Uint8Array {
  const describe = (hint: string): TypeError =>
    new TypeError(`${what} is invalid: a ${spec.length}-character value starting "${spec.slice(0, spec.indexOf(':') + 1)}" (${hint})`);
  let bytes: Uint8Array;
  if (spec.startsWith('hex:')) {
    const hex = spec.slice(4);
    if (!HEX.test(hex)) throw describe('after "hex:" give an even number of hex digits');
    bytes = Buffer.from(hex, 'hex');
  } else if (spec.startsWith('base64:')) {
    const text = spec.slice(7);
    if (text === '' || !BASE64.test(text)) throw describe('after "base64:" give standard or URL-safe base64');
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  } else {
    bytes = Buffer.from(spec, 'utf8');
  }
  if (bytes.length === 0) throw new TypeError(`${what} is invalid: it is empty`);
  return bytes;
}

/** The spec form of a binary secret, as `signet genkey` prints it. */
export function formatSecretSpec(bytes: Uint8Array): string {
  return `hex:${Buffer.from(bytes).toString('hex')}`;
}
