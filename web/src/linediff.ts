// A line diff (Myers' O((N+M)D) algorithm) of a prompt file against its
// built-in text, and its hunks with a few lines of context, as the prompts
// page shows them. Pure, tested in linediff.test.ts.

export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  oldNo: number | null; // 1-based line number in the old text (null for an added line)
  newNo: number | null; // in the new text (null for a removed line)
}

// Past this many differing lines the search stops and the texts are shown
// as one replacement: the trace it keeps grows with the square of D.
export const MAX_EDIT_DISTANCE = 2000;

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // a final newline ends the last line, it does not add one
  return lines;
}

// Whether two texts have the same lines as the diff reads them (CRLF or LF,
// a final newline or none): the prompts page's "same as built-in" badge
// and its diff agree.
export function sameLines(a: string, b: string): boolean {
  if (a === b) return true;
  const x = splitLines(a);
  const y = splitLines(b);
  return x.length === y.length && x.every((line, i) => line === y[i]);
}

// The shortest edit script from `a` to `b`, as the lines of both in order.
export function diffLines(oldText: string, newText: string, maxD = MAX_EDIT_DISTANCE): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // Common head and tail first: a typical edit touches a few lines.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: a[i], oldNo: i + 1, newNo: i + 1 });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  for (const op of middle(midA, midB, maxD)) {
    out.push({
      kind: op.kind,
      text: op.kind === 'add' ? midB[op.j] : midA[op.i],
      oldNo: op.kind === 'add' ? null : head + op.i + 1,
      newNo: op.kind === 'del' ? null : head + op.j + 1,
    });
  }
  for (let k = tail; k > 0; k--) {
    out.push({ kind: 'same', text: a[a.length - k], oldNo: a.length - k + 1, newNo: b.length - k + 1 });
  }
  return out;
}

interface Op {
  kind: 'same' | 'add' | 'del';
  i: number; // index in a (del, same)
  j: number; // index in b (add, same)
}

function replaceAll(n: number, m: number): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) ops.push({ kind: 'del', i, j: 0 });
  for (let j = 0; j < m; j++) ops.push({ kind: 'add', i: 0, j });
  return ops;
}

function middle(a: string[], b: string[], maxD: number): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return replaceAll(n, m);
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, offset, n, m);
    }
  }
  return replaceAll(n, m); // more than maxD lines differ
}

function backtrack(trace: Int32Array[], offset: number, n: number, m: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : v[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: 'same', i: x, j: y });
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: 'add', i: x, j: y - 1 });
      else ops.push({ kind: 'del', i: x - 1, j: y });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

export interface Hunk {
  lines: DiffLine[];
  oldStart: number; // first old line shown (1-based; 0 when the hunk shows none)
  newStart: number;
}

// The changed lines with `context` unchanged lines around each change;
// changes closer than twice that share a hunk. No change: no hunk.
export function hunks(lines: DiffLine[], context = 3): Hunk[] {
  const out: Hunk[] = [];
  let current: DiffLine[] | null = null;
  let lastChange = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].kind === 'same') continue;
    const from = Math.max(0, i - context);
    if (current && from <= lastChange + context + 1) {
      for (let j = lastChange + 1; j <= i; j++) current.push(lines[j]);
    } else {
      if (current) closeHunk(current, lines, lastChange, context);
      current = lines.slice(from, i + 1);
      out.push({ lines: current, oldStart: 0, newStart: 0 });
    }
    lastChange = i;
  }
  if (current) closeHunk(current, lines, lastChange, context);
  for (const h of out) {
    h.oldStart = h.lines.find((l) => l.oldNo !== null)?.oldNo ?? 0;
    h.newStart = h.lines.find((l) => l.newNo !== null)?.newNo ?? 0;
  }
  return out;
}

function closeHunk(current: DiffLine[], lines: DiffLine[], lastChange: number, context: number): void {
  for (let j = lastChange + 1; j <= Math.min(lines.length - 1, lastChange + context); j++) current.push(lines[j]);
}

export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.kind === 'add') added++;
    else if (l.kind === 'del') removed++;
  }
  return { added, removed };
}

// The hunks cut to `maxRows` lines in all (a prompt replaced wholesale
// would otherwise render thousands of rows), and how many were left out.
export function capHunks(parts: Hunk[], maxRows: number): { shown: Hunk[]; hidden: number } {
  const shown: Hunk[] = [];
  let room = maxRows;
  let hidden = 0;
  for (const h of parts) {
    if (room <= 0) {
      hidden += h.lines.length;
    } else if (h.lines.length <= room) {
      shown.push(h);
      room -= h.lines.length;
    } else {
      shown.push({ ...h, lines: h.lines.slice(0, room) });
      hidden += h.lines.length - room;
      room = 0;
    }
  }
  return { shown, hidden };
}
