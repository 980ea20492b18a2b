/**
 * Base64 as itsdangerous and Python's binascii spell and read it.
 *
 * itsdangerous writes URL-safe base64 with the `=` padding stripped
 * (itsdangerous/encoding.py `base64_encode`). It reads leniently: it pads to a
 * multiple of four, then Python's non-strict `a2b_base64` skips characters outside
 * the alphabet and stops at a complete padding sequence. `decodeBase64Lenient`
 * reproduces that, so a payload Flask accepts is accepted here with the same bytes.
 */

/** URL-safe base64 without padding, as itsdangerous's `base64_encode`. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Standard base64 with padding, as Python's `b64encode` (Flask's `" b"` tag). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * Whether a text is the one base64url spelling (unpadded) of some bytes: its alphabet,
 * no lone last character, and zero in the low bits a last character leaves over. Node's
 * decoder ignores both of those, so several texts would decode to the same bytes.
 */
export function isCanonicalBase64Url(text: string): boolean {
  const spare = text.length % 4;
  if (spare === 1 || !URL_SAFE.test(text)) return false;
  if (spare === 0) return true;
  const last = URL_SAFE_TABLE[text.charCodeAt(text.length - 1)] as number;
  return (last & (spare === 2 ? 0x0f : 0x03)) === 0;
}
const STANDARD = /^[A-Za-z0-9+/]*$/;

// Values 0..63 for the characters both alphabets share; 64 marks a character
// that a2b_base64 skips. The URL-safe translation of `urlsafe_b64decode` maps
// '-' to '+' and '_' to '/', so in URL-safe mode all four are data characters.
const STANDARD_TABLE = new Uint8Array(256).fill(64);
const URL_SAFE_TABLE = new Uint8Array(256).fill(64);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) {
    STANDARD_TABLE[alphabet.charCodeAt(i)] = i;
    URL_SAFE_TABLE[alphabet.charCodeAt(i)] = i;
  }
  URL_SAFE_TABLE['-'.charCodeAt(0)] = 62;
  URL_SAFE_TABLE['_'.charCodeAt(0)] = 63;
}
const PAD = 0x3d; // '='

/**
 * Decodes base64 exactly as itsdangerous's `base64_decode` (URL-safe) or Flask's
 * `b64decode` (standard) would, or returns `undefined` where Python raises.
 *
 * `input` is a string of bytes, one char per byte (a latin1 / ASCII string).
 * `padToQuad` adds `=` up to a multiple of four first, as `base64_decode` does.
 */
export function decodeBase64Lenient(
  input: string,
  alphabet: 'url-safe' | 'standard',
  padToQuad: boolean,
): Uint8Array | undefined {
  const canonical = alphabet === 'url-safe' ? URL_SAFE : STANDARD;
  // Fast path: only alphabet characters, and a length Python can decode.
  if (input.length % 4 !== 1 && canonical.test(input)) {
    if (!padToQuad && input.length % 4 !== 0) return undefined; // Python: "Incorrect padding"
    return Buffer.from(input, alphabet === 'url-safe' ? 'base64url' : 'base64');
  }
  let text = input;
  if (padToQuad) text += '='.repeat((4 - (text.length % 4)) % 4);
  return a2bBase64(text, alphabet === 'url-safe' ? URL_SAFE_TABLE : STANDARD_TABLE);
}

/** Where {@link decodeAsciiBase64Url} decodes; grown for a longer text, never shrunk. */
let scratch = Buffer.allocUnsafeSlow(4096);

/**
 * The text that URL-safe base64 of ASCII bytes stands for, or `undefined` when it is not
 * that simple case (a character outside the alphabet, a lone last character, a byte over
 * 0x7f): then {@link decodeBase64Lenient} and a UTF-8 decoder give the answer. The common
 * cookie payload is read this way in a shared buffer, with no Buffer or TextDecoder of its
 * own; where it answers, it gives what they would.
 */
export function decodeAsciiBase64Url(input: string): string | undefined {
  if (input.length % 4 === 1 || !URL_SAFE.test(input)) return undefined;
  if (scratch.length * 4 < input.length * 3) scratch = Buffer.allocUnsafeSlow(Math.ceil((input.length * 3) / 4));
  const length = scratch.write(input, 0, 'base64url');
  let high = 0;
  for (let i = 0; i < length; i++) high |= scratch[i] as number;
  return high < 0x80 ? scratch.toString('latin1', 0, length) : undefined;
}

/** CPython 3.11 `binascii.a2b_base64(data, strict_mode=False)`. */
function a2bBase64(text: string, table: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let length = 0;
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === PAD) {
      // `quad_pos >= 2 && quad_pos + ++pads >= 4`: pads only counts after two data chars.
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.subarray(0, length);
      continue;
    }
    const value = code < 256 ? (table[code] ?? 64) : 64;
    if (value >= 64) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = value;
        break;
      case 1:
        quadPos = 2;
        out[length++] = (leftChar << 2) | (value >> 4);
        leftChar = value & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out[length++] = ((leftChar << 4) | (value >> 2)) & 0xff;
        leftChar = value & 0x03;
        break;
      default:
        quadPos = 0;
        out[length++] = ((leftChar << 6) | value) & 0xff;
        leftChar = 0;
    }
  }
  return quadPos === 0 ? out.subarray(0, length) : undefined;
}
