/**
 * Secrets as text in configuration: `hex:...` or `base64:...` for a binary key,
 * anything else as UTF-8 text. The lesson's binary key is `hex:3f77855a0851bd4fb8a9b6354b6aa95f`.
 */

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$|^[A-Za-z0-9_-]+$/;
const FORMS = 'give text, hex:<digits> or base64:<text>';

/**
 * The bytes of a secret written as `hex:...`, `base64:...` (standard or URL-safe) or text.
 *
 * A secret never starts or ends with whitespace (an editor's or a shell's stray space
 * would otherwise become part of a text key, and no cookie would verify), and the prefixes
 * are lower case only: `HEX:...` is refused rather than read as text, so that a key's
 * meaning never depends on how its prefix happens to be spelled.
 *
 * @throws TypeError naming `what` for an empty or undecodable secret; the message
 *   describes the value (its length, its prefix) without echoing it, since it is a secret.
 */
export function parseSecretSpec(spec: string, what = 'SECRET_KEY'): Uint8Array {
  const describe = (prefix: string, hint: string): TypeError =>
    new TypeError(`${what} is invalid: a ${spec.length}-character value ${prefix === '' ? '' : `starting "${prefix}" `}(${hint})`);
  if (spec === '') throw new TypeError(`${what} is invalid: it is empty (${FORMS})`);
  if (spec.trim() === '') throw new TypeError(`${what} is invalid: it is only whitespace (${FORMS})`);
  if (/^\s|\s$/.test(spec)) {
    const where = /^\s/.test(spec) ? 'start' : 'end';
    throw describe('', `remove the whitespace at its ${where}: a key never starts or ends with a space or a line break`);
  }
  const prefix = /^(hex|base64):/i.exec(spec)?.[0];
  if (prefix !== undefined && prefix !== prefix.toLowerCase()) throw describe(prefix, `write the prefix in lower case, "${prefix.toLowerCase()}"`);
  let bytes: Uint8Array;
  if (prefix === 'hex:') {
    const hex = spec.slice(4);
    if (!HEX.test(hex)) throw describe(prefix, 'after "hex:" give an even number of hex digits');
    bytes = Buffer.from(hex, 'hex');
  } else if (prefix === 'base64:') {
    const text = spec.slice(7);
    if (text === '' || !BASE64.test(text)) throw describe(prefix, 'after "base64:" give standard or URL-safe base64');
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  } else {
    bytes = Buffer.from(spec, 'utf8');
  }
  if (bytes.length === 0) throw new TypeError(`${what} is invalid: it is empty (${FORMS})`);
  return bytes;
}

/** The spec form of a binary secret, as `signet genkey` prints it. */
export function formatSecretSpec(bytes: Uint8Array): string {
  return `hex:${Buffer.from(bytes).toString('hex')}`;
}
