// A second reference for what npm tiktoken cannot encode: its byte-pair
// merge rescans the piece after every merge (O(n²): 30 s for 100,000 'a',
// and it aborts on a million). This is the same merge rule (the adjacent pair
// of lowest rank, leftmost on a tie, until none is a token) with a binary heap,
// on tiktoken's own rank data; the parity test first checks it against
// tiktoken on runs tiktoken still encodes.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// tiktoken's encoders/<name>.json `bpe_ranks`: `<?> <first rank> <base64>...`.
export function loadRanks(encoding) {
  const { bpe_ranks: text } = require(`tiktoken/encoders/${encoding}.json`);
  const ranks = new Map();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const first = Number(fields[1]);
    for (let i = 2; i < fields.length; i++) ranks.set(Buffer.from(fields[i], 'base64').toString('latin1'), first + i - 2);
  }
  return ranks;
}

const SHIFT = 2 ** 23;  // key = rank * SHIFT + start: rank order, then leftmost; exact below 2^53

class MinHeap {
  constructor(capacity) { this.keys = new Float64Array(capacity); this.size = 0; }
  push(key) {
    const k = this.keys;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (k[parent] <= key) break;
      k[i] = k[parent];
      i = parent;
    }
    k[i] = key;
  }
  pop() {
    const k = this.keys, top = k[0], last = k[--this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && k[child + 1] < k[child]) child++;
      if (k[child] >= last) break;
      k[i] = k[child];
      i = child;
    }
    k[i] = last;
    return top;
  }
}

// The ids of one piece (a Buffer shorter than 8 MiB, every byte a token).
export function mergePiece(bytes, ranks) {
  const text = bytes.toString('latin1'), n = text.length;
  if (ranks.has(text)) return [ranks.get(text)];
  const end = new Int32Array(n), prev = new Int32Array(n), pair = new Float64Array(n);
  const heap = new MinHeap(3 * n + 1);
  const rankOf = (s) => { const r = ranks.get(s); return r === undefined ? -1 : r; };
  const updatePair = (start) => {
    const mid = end[start];
    pair[start] = mid >= n ? -1 : rankOf(text.slice(start, end[mid]));
    if (pair[start] >= 0) heap.push(pair[start] * SHIFT + start);
  };
  for (let i = 0; i < n; i++) end[i] = i + 1, prev[i] = i - 1;
  for (let i = 0; i < n; i++) updatePair(i);
  while (heap.size > 0) {
    const key = heap.pop(), rank = Math.floor(key / SHIFT), start = key - rank * SHIFT;
    if (end[start] === 0 || pair[start] !== rank) continue;  // merged away, or its pair changed since
    const mid = end[start];
    end[start] = end[mid];
    end[mid] = 0;
    if (end[start] < n) prev[end[start]] = start;
    updatePair(start);
    if (start > 0) updatePair(prev[start]);
  }
  const ids = [];
  for (let i = 0; i < n; i = end[i]) ids.push(rankOf(text.slice(i, end[i])));
  return ids;
}
