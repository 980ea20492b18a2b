/**
 * How long Python's `zlib.compress(data)` would be, without making its bytes.
 *
 * Flask compresses a session only when that saves two bytes or more, so every write
 * asks the question, and for a small session the answer is nearly always "no". Making
 * the bytes to learn their length costs more than the rest of the write: clearing the
 * 32,768-entry hash table, building three Huffman trees with their codes, and writing
 * the bits. This file takes only the steps that decide the length, as zlib 1.2.13 and
 * pako 2.2.0 take them at level 6 (deflate_slow with zlib's classic hash; lengths 8, 16,
 * 128, 128): the same matches, the same trees with the same tie-breaks, the same choice
 * among stored, fixed and dynamic blocks. It gives no answer for inputs of more than
 * {@link MAX_SIZED_INPUT} bytes, where zlib can cut the input into several blocks;
 * those are compressed to be measured. Checked against pako's real output in
 * test/deflate-size.test.ts, and pako's bytes against Python's in the oracle tests.
 */
// zlib's own array code, ported: every index stays inside its typed array by construction.
/* eslint-disable @typescript-eslint/no-non-null-assertion */

/** The longest input sized here: one block (zlib flushes at 16,383 symbols) and no window slide. */
export const MAX_SIZED_INPUT = 16_000;

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const HASH_MASK = (1 << 15) - 1; // memLevel 8: 15 hash bits
const HASH_SHIFT = 5; // ceil(15 / MIN_MATCH)
const W_MASK = (1 << 15) - 1; // windowBits 15
// configuration_table[6]
const GOOD_MATCH = 8;
const MAX_LAZY = 16;
const NICE_MATCH = 128;
const MAX_CHAIN = 128;
const TOO_FAR = 4096;

const LITERALS = 256;
const END_BLOCK = 256;
const L_CODES = LITERALS + 1 + 29;
const D_CODES = 30;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

const EXTRA_LBITS = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const EXTRA_DBITS = Uint8Array.from([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
const EXTRA_BLBITS = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7]);
const BL_ORDER = Uint8Array.from([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

// match length - MIN_MATCH -> length code; distance - 1 -> distance code (tr_static_init)
const LENGTH_CODE = new Uint8Array(MAX_MATCH - MIN_MATCH + 1);
const DIST_CODE = new Uint8Array(512);
{
  let length = 0;
  let code = 0;
  for (; code < 28; code++) for (let n = 0; n < 1 << EXTRA_LBITS[code]!; n++) LENGTH_CODE[length++] = code;
  LENGTH_CODE[length - 1] = code; // length 258: code 285, not 284 with 31 extra
  let dist = 0;
  for (code = 0; code < 16; code++) for (let n = 0; n < 1 << EXTRA_DBITS[code]!; n++) DIST_CODE[dist++] = code;
  dist >>= 7;
  for (; code < D_CODES; code++) for (let n = 0; n < 1 << (EXTRA_DBITS[code]! - 7); n++) DIST_CODE[256 + dist++] = code;
}
/** The fixed Huffman code's lengths of the literal/length alphabet. */
const STATIC_LLEN = new Uint8Array(L_CODES + 2).map((_, n) => (n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8));
const STATIC_DLEN = new Uint8Array(D_CODES).fill(5);

/** One alphabet's tree: its leaves, then its inner nodes (as zlib's ct_data, in three arrays). */
interface Tree {
  readonly freq: Uint32Array;
  readonly len: Uint16Array;
  readonly dad: Uint16Array;
  readonly elems: number;
  readonly extra: Uint8Array;
  readonly extraBase: number;
  readonly maxLength: number;
  readonly staticLen: Uint8Array | undefined;
  maxCode: number;
}
const tree = (elems: number, extra: Uint8Array, extraBase: number, maxLength: number, staticLen: Uint8Array | undefined): Tree => ({
  freq: new Uint32Array(2 * elems + 2),
  len: new Uint16Array(2 * elems + 2),
  dad: new Uint16Array(2 * elems + 2),
  elems,
  extra,
  extraBase,
  maxLength,
  staticLen,
  maxCode: 0,
});
const ltree = tree(L_CODES, EXTRA_LBITS, LITERALS + 1, MAX_BITS, STATIC_LLEN);
const dtree = tree(D_CODES, EXTRA_DBITS, 0, MAX_BITS, STATIC_DLEN);
const bltree = tree(BL_CODES, EXTRA_BLBITS, 0, MAX_BL_BITS, undefined);

const heap = new Int32Array(HEAP_SIZE);
const depth = new Uint16Array(HEAP_SIZE);
const blCount = new Uint16Array(MAX_BITS + 1);
let heapLen = 0;
let heapMax = 0;
let optLen = 0;
let staticLen = 0;

// The window holds the input and, after it, zeros that the match loop may read past its end.
const win = new Uint8Array(MAX_SIZED_INPUT + 2 * MAX_MATCH);
// Hash heads carry the call's generation in their upper bits, so a new call needs no clearing.
const head = new Int32Array(HASH_MASK + 1);
const prev = new Uint16Array(W_MASK + 1);
let generation = 0;

/** The length of `zlib.compress(data)` (level 6), or undefined for more than {@link MAX_SIZED_INPUT} bytes. */
export function zlibCompressedLength(data: Uint8Array): number | undefined {
  const n = data.length;
  if (n > MAX_SIZED_INPUT) return undefined;
  win.set(data);
  win.fill(0, n, n + 2 * MAX_MATCH);
  generation = (generation + 1) & 0x7fff;
  if (generation === 0) {
    head.fill(0);
    generation = 1;
  }
  ltree.freq.fill(0, 0, L_CODES);
  dtree.freq.fill(0, 0, D_CODES);
  bltree.freq.fill(0, 0, BL_CODES);
  ltree.freq[END_BLOCK] = 1;
  optLen = staticLen = 0;
  parse(n);
  return 2 + blockBytes(n) + 4; // zlib header, the one final block, Adler-32
}

const genTag = (): number => generation << 16;

/** INSERT_STRING: the previous head of the chain of the 3 bytes at `at` (0 if none), and `at` becomes the head. */
function insert(hash: number, at: number): number {
  const entry = head[hash]!;
  const previous = entry >>> 16 === generation ? entry & 0xffff : 0;
  prev[at & W_MASK] = previous;
  head[hash] = genTag() | at;
  return previous;
}

/** deflate_slow over the whole input at once, tallying the symbols' frequencies (_tr_tally). */
function parse(n: number): void {
  const w = win;
  const lfreq = ltree.freq;
  const dfreq = dtree.freq;
  let strstart = 0;
  let lookahead = n;
  let matchLength = MIN_MATCH - 1;
  let prevLength = MIN_MATCH - 1;
  let matchStart = 0;
  let prevMatch: number;
  let matchAvailable = false;
  let insH = n >= MIN_MATCH ? ((w[0]! << HASH_SHIFT) ^ w[1]!) & HASH_MASK : 0;

  // longest_match, with its result's start in matchStart.
  const longestMatch = (curMatch: number): number => {
    let chainLength = MAX_CHAIN;
    let scan = strstart;
    let bestLen = prevLength;
    let niceMatch = NICE_MATCH;
    const strend = strstart + MAX_MATCH;
    let scanEnd1 = w[scan + bestLen - 1];
    let scanEnd = w[scan + bestLen];
    if (prevLength >= GOOD_MATCH) chainLength >>= 2;
    if (niceMatch > lookahead) niceMatch = lookahead;
    do {
      let match = curMatch;
      if (w[match + bestLen] !== scanEnd || w[match + bestLen - 1] !== scanEnd1 || w[match] !== w[scan] || w[++match] !== w[scan + 1]) continue;
      scan += 2;
      match++;
      while (
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        w[++scan] === w[++match] &&
        scan < strend
      );
      const len = MAX_MATCH - (strend - scan);
      scan = strend - MAX_MATCH;
      if (len > bestLen) {
        matchStart = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = w[scan + bestLen - 1];
        scanEnd = w[scan + bestLen];
      }
      // limit is 0: no input here reaches MAX_DIST
    } while ((curMatch = prev[curMatch & W_MASK]!) > 0 && --chainLength !== 0);
    return bestLen <= lookahead ? bestLen : lookahead;
  };

  while (lookahead !== 0) {
    let hashHead = 0;
    if (lookahead >= MIN_MATCH) {
      insH = ((insH << HASH_SHIFT) ^ w[strstart + MIN_MATCH - 1]!) & HASH_MASK;
      hashHead = insert(insH, strstart);
    }
    prevLength = matchLength;
    prevMatch = matchStart;
    matchLength = MIN_MATCH - 1;
    if (hashHead !== 0 && prevLength < MAX_LAZY) {
      matchLength = longestMatch(hashHead);
      if (matchLength === MIN_MATCH && strstart - matchStart > TOO_FAR) matchLength = MIN_MATCH - 1;
    }
    if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
      const maxInsert = strstart + lookahead - MIN_MATCH;
      lfreq[LENGTH_CODE[prevLength - MIN_MATCH]! + LITERALS + 1]!++;
      const dist = strstart - 1 - prevMatch - 1;
      dfreq[dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >>> 7)]!]!++;
      lookahead -= prevLength - 1;
      prevLength -= 2;
      do {
        if (++strstart <= maxInsert) {
          insH = ((insH << HASH_SHIFT) ^ w[strstart + MIN_MATCH - 1]!) & HASH_MASK;
          insert(insH, strstart);
        }
      } while (--prevLength !== 0);
      matchAvailable = false;
      matchLength = MIN_MATCH - 1;
      strstart++;
    } else if (matchAvailable) {
      lfreq[w[strstart - 1]!]!++;
      strstart++;
      lookahead--;
    } else {
      matchAvailable = true;
      strstart++;
      lookahead--;
    }
  }
  if (matchAvailable) lfreq[w[strstart - 1]!]!++;
}

/** _tr_flush_block's choice for the last block: its length in bytes, stored, fixed or dynamic. */
function blockBytes(storedLen: number): number {
  buildTree(ltree);
  buildTree(dtree);
  const maxBlindex = buildBlTree();
  optLen += 3 * (maxBlindex + 1) + 5 + 5 + 4;
  let optLenb = (optLen + 3 + 7) >>> 3;
  const staticLenb = (staticLen + 3 + 7) >>> 3;
  if (staticLenb <= optLenb) optLenb = staticLenb;
  // A stored block: 3 header bits padded to a byte, LEN and NLEN, the bytes.
  return storedLen + 4 <= optLenb ? storedLen + 5 : optLenb;
}

/** pqdownheap, with zlib's order: less frequent first, then the shallower. */
function pqdownheap(freq: Uint32Array, k: number): void {
  const v = heap[k]!;
  const vf = freq[v]!;
  const vd = depth[v]!;
  let j = k << 1;
  while (j <= heapLen) {
    let son = heap[j] as number;
    if (j < heapLen) {
      const right = heap[j + 1]!;
      const rf = freq[right]!;
      const sf = freq[son]!;
      if (rf < sf || (rf === sf && depth[right]! <= depth[son]!)) {
        j++;
        son = right;
      }
    }
    const sf = freq[son]!;
    if (vf < sf || (vf === sf && vd <= depth[son]!)) break;
    heap[k] = son;
    k = j;
    j <<= 1;
  }
  heap[k] = v;
}

/** build_tree without gen_codes: the code lengths, and their cost added to optLen and staticLen. */
function buildTree(t: Tree): void {
  const { freq, len, dad, elems, staticLen: stree } = t;
  let maxCode = -1;
  heapLen = 0;
  heapMax = HEAP_SIZE;
  for (let n = 0; n < elems; n++) {
    if (freq[n] !== 0) {
      heap[++heapLen] = maxCode = n;
      depth[n] = 0;
    } else {
      len[n] = 0;
    }
  }
  // At least two codes, as the format asks (zlib's own way of adding them).
  while (heapLen < 2) {
    const node = (heap[++heapLen] = maxCode < 2 ? ++maxCode : 0);
    freq[node] = 1;
    depth[node] = 0;
    optLen--;
    if (stree !== undefined) staticLen -= stree[node]!;
  }
  t.maxCode = maxCode;
  for (let n = heapLen >> 1; n >= 1; n--) pqdownheap(freq, n);
  let node = elems;
  do {
    const n = heap[1]!;
    heap[1] = heap[heapLen--]!;
    pqdownheap(freq, 1);
    const m = heap[1];
    heap[--heapMax] = n;
    heap[--heapMax] = m;
    freq[node] = freq[n]! + freq[m]!;
    const dn = depth[n]!;
    const dm = depth[m]!;
    depth[node] = (dn >= dm ? dn : dm) + 1;
    dad[n] = dad[m] = node;
    heap[1] = node++;
    pqdownheap(freq, 1);
  } while (heapLen >= 2);
  heap[--heapMax] = heap[1]!;
  genBitlen(t);
}

/** gen_bitlen: each leaf's code length (limited to the tree's maximum, as zlib limits it) and the costs. */
function genBitlen(t: Tree): void {
  const { freq, len, dad, maxCode, extra, extraBase, maxLength, staticLen: stree } = t;
  let overflow = 0;
  blCount.fill(0);
  len[heap[heapMax]!] = 0;
  let h: number;
  for (h = heapMax + 1; h < HEAP_SIZE; h++) {
    const n = heap[h]!;
    let bits = len[dad[n]!]! + 1;
    if (bits > maxLength) {
      bits = maxLength;
      overflow++;
    }
    len[n] = bits;
    if (n > maxCode) continue;
    blCount[bits]!++;
    const xbits = n >= extraBase ? extra[n - extraBase]! : 0;
    const f = freq[n]!;
    optLen += f * (bits + xbits);
    if (stree !== undefined) staticLen += f * (stree[n]! + xbits);
  }
  if (overflow === 0) return;
  do {
    let bits = maxLength - 1;
    while (blCount[bits] === 0) bits--;
    blCount[bits]!--;
    blCount[bits + 1]! += 2;
    blCount[maxLength]!--;
    overflow -= 2;
  } while (overflow > 0);
  for (let bits = maxLength; bits !== 0; bits--) {
    let n = blCount[bits]!;
    while (n !== 0) {
      const m = heap[--h]!;
      if (m > maxCode) continue;
      if (len[m] !== bits) {
        optLen += (bits - len[m]!) * freq[m]!;
        len[m] = bits;
      }
      n--;
    }
  }
}

/** scan_tree: the bit-length alphabet's frequencies for sending one tree's code lengths. */
function scanTree(t: Tree): void {
  const { len, maxCode } = t;
  const blfreq = bltree.freq;
  let prevlen = -1;
  let nextlen = len[0]!;
  let count = 0;
  let maxCount = 7;
  let minCount = 4;
  if (nextlen === 0) {
    maxCount = 138;
    minCount = 3;
  }
  for (let n = 0; n <= maxCode; n++) {
    const curlen = nextlen;
    nextlen = n + 1 <= maxCode ? len[n + 1]! : 0xffff; // zlib's guard
    if (++count < maxCount && curlen === nextlen) continue;
    else if (count < minCount) blfreq[curlen]! += count;
    else if (curlen !== 0) {
      if (curlen !== prevlen) blfreq[curlen]!++;
      blfreq[REP_3_6]!++;
    } else if (count <= 10) blfreq[REPZ_3_10]!++;
    else blfreq[REPZ_11_138]!++;
    count = 0;
    prevlen = curlen;
    if (nextlen === 0) {
      maxCount = 138;
      minCount = 3;
    } else if (curlen === nextlen) {
      maxCount = 6;
      minCount = 3;
    } else {
      maxCount = 7;
      minCount = 4;
    }
  }
}

/** build_bl_tree: the tree of code lengths; the index in BL_ORDER of the last length code to send. */
function buildBlTree(): number {
  scanTree(ltree);
  scanTree(dtree);
  buildTree(bltree);
  let maxBlindex: number;
  for (maxBlindex = BL_CODES - 1; maxBlindex >= 3; maxBlindex--) {
    if (bltree.len[BL_ORDER[maxBlindex]!] !== 0) break;
  }
  return maxBlindex;
}
