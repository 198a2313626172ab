import { describe, expect, it } from 'vitest';
import { capHunks, diffLines, diffStats, hunks, sameLines, splitLines, type DiffLine } from './linediff';

const render = (lines: DiffLine[]) => lines.map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-'}${l.text}`);

// Applying the diff's lines gives back both texts: old = same + del, new = same + add.
function sides(lines: DiffLine[]) {
  return {
    old: lines.filter((l) => l.kind !== 'add').map((l) => l.text),
    new: lines.filter((l) => l.kind !== 'del').map((l) => l.text),
  };
}

describe('splitLines', () => {
  it('a final newline ends the last line; CRLF counts as one break', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\r\nb')).toEqual(['a', 'b']);
    expect(splitLines('a\n\n')).toEqual(['a', '']);
  });
});

describe('diffLines', () => {
  it('equal texts: every line the same, numbered on both sides', () => {
    const d = diffLines('a\nb\n', 'a\nb');
    expect(render(d)).toEqual([' a', ' b']);
    expect(d.map((l) => [l.oldNo, l.newNo])).toEqual([[1, 1], [2, 2]]);
  });

  it('one line changed in the middle', () => {
    const d = diffLines('a\nb\nc\n', 'a\nB\nc\n');
    expect(render(d)).toEqual([' a', '-b', '+B', ' c']);
    expect(d[1]).toMatchObject({ oldNo: 2, newNo: null });
    expect(d[2]).toMatchObject({ oldNo: null, newNo: 2 });
    expect(diffStats(d)).toEqual({ added: 1, removed: 1 });
  });

  it('insertions and deletions at either end, and from or to nothing', () => {
    expect(render(diffLines('b\nc', 'a\nb\nc\nd'))).toEqual(['+a', ' b', ' c', '+d']);
    expect(render(diffLines('a\nb\nc', 'b'))).toEqual(['-a', ' b', '-c']);
    expect(render(diffLines('', 'x\ny'))).toEqual(['+x', '+y']);
    expect(render(diffLines('x', ''))).toEqual(['-x']);
  });

  it('a shortest script: moved-around lines keep the longest common run', () => {
    const d = diffLines('a\nb\nc\na\nb\nb\na', 'c\nb\na\nb\na\nc');  // Myers' paper example: D = 5
    expect(diffStats(d).added + diffStats(d).removed).toBe(5);
    expect(sides(d)).toEqual({ old: ['a', 'b', 'c', 'a', 'b', 'b', 'a'], new: ['c', 'b', 'a', 'b', 'a', 'c'] });
  });

  it('random texts: both sides come back, numbered in order', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: rand(12) }, () => 'xyz'[rand(3)]);
      const b = Array.from({ length: rand(12) }, () => 'xyz'[rand(3)]);
      const d = diffLines(a.join('\n'), b.join('\n'));
      expect(sides(d)).toEqual({ old: a, new: b });
      const olds = d.filter((l) => l.oldNo !== null).map((l) => l.oldNo);
      expect(olds).toEqual(a.map((_, i) => i + 1));
      const news = d.filter((l) => l.newNo !== null).map((l) => l.newNo);
      expect(news).toEqual(b.map((_, i) => i + 1));
    }
  });

  it('past the edit bound: one replacement, still both sides', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`).join('\n');
    const d = diffLines(a, b, 10);
    expect(diffStats(d)).toEqual({ added: 50, removed: 50 });
    expect(d.slice(0, 50).every((l) => l.kind === 'del')).toBe(true);
  });
});

describe('hunks', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `l${i + 1}`);

  it('no change, no hunk', () => {
    expect(hunks(diffLines('a\nb', 'a\nb'))).toEqual([]);
  });

  it('context around each change; far changes apart, near ones together', () => {
    const old = lines(30);
    const edited = [...old];
    edited[4] = 'five';     // line 5
    edited[24] = 'twenty-five';  // line 25: far from 5
    const h = hunks(diffLines(old.join('\n'), edited.join('\n')), 2);
    expect(h).toHaveLength(2);
    expect(render(h[0].lines)).toEqual([' l3', ' l4', '-l5', '+five', ' l6', ' l7']);
    expect(h[0]).toMatchObject({ oldStart: 3, newStart: 3 });
    expect(h[1].oldStart).toBe(23);
    edited[8] = 'nine';  // 4 lines after 5: within 2 * context + 1 → one hunk
    const joined = hunks(diffLines(old.join('\n'), edited.join('\n')), 2);
    expect(joined).toHaveLength(2);
    expect(render(joined[0].lines)).toEqual([' l3', ' l4', '-l5', '+five', ' l6', ' l7', ' l8', '-l9', '+nine', ' l10', ' l11']);
  });

  it('a change on the first or last line', () => {
    const h = hunks(diffLines('a\nb\nc\nd', 'A\nb\nc\nD'), 1);
    expect(h.map((x) => render(x.lines))).toEqual([['-a', '+A', ' b', ' c', '-d', '+D']]);
  });
});

describe('sameLines: the badge and the diff agree', () => {
  it('CRLF and a final newline do not make a difference; a blank line does', () => {
    for (const [a, b] of [['a\nb\n', 'a\nb'], ['a\r\nb\r\n', 'a\nb\n'], ['', ''], ['x', 'x\n']]) {
      expect(sameLines(a, b), JSON.stringify([a, b])).toBe(true);
      expect(hunks(diffLines(a, b))).toEqual([]);
    }
    for (const [a, b] of [['a\nb', 'a\nb\n\n'], ['a', 'A'], ['', 'a'], ['a\rb', 'a\nb']]) {
      expect(sameLines(a, b), JSON.stringify([a, b])).toBe(false);
      expect(hunks(diffLines(a, b)).length, JSON.stringify([a, b])).toBeGreaterThan(0);
    }
  });
});

describe('capHunks', () => {
  const parts = hunks(diffLines(Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n'),
    Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? `L${i}` : `l${i}`)).join('\n')), 1);
  const total = parts.reduce((n, h) => n + h.lines.length, 0);

  it('under the cap: every hunk as is', () => {
    expect(capHunks(parts, total)).toEqual({ shown: parts, hidden: 0 });
  });

  it('over it: the first rows, the count of the others', () => {
    const { shown, hidden } = capHunks(parts, 5);
    expect(shown.reduce((n, h) => n + h.lines.length, 0)).toBe(5);
    expect(hidden).toBe(total - 5);
    expect(shown[0]).toEqual(parts[0]);
    expect(capHunks(parts, 0)).toEqual({ shown: [], hidden: total });
  });
});
