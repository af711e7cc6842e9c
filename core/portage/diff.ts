/**
 * Unified diffs of text files (what `binfarm render --diff` and the protect strategy print).
 * LCS over lines; files too large for that are shown as one replaced hunk.
 */
const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Op = { t: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  // trim common prefix and suffix first: most config changes are small
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const mid: Op[] = [];
  if (A.length * B.length > MAX_CELLS) {
    for (const line of A) mid.push({ t: '-', line });
    for (const line of B) mid.push({ t: '+', line });
  } else {
    const n = A.length;
    const m = B.length;
    const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i]![j] = A[i] === B[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (A[i] === B[j]) {
        mid.push({ t: ' ', line: A[i]! });
        i++;
        j++;
      } else if (L[i + 1]![j]! >= L[i]![j + 1]!) mid.push({ t: '-', line: A[i++]! });
      else mid.push({ t: '+', line: B[j++]! });
    }
    while (i < n) mid.push({ t: '-', line: A[i++]! });
    while (j < m) mid.push({ t: '+', line: B[j++]! });
  }
  return [...a.slice(0, pre).map((line) => ({ t: ' ' as const, line })), ...mid, ...a.slice(a.length - suf).map((line) => ({ t: ' ' as const, line }))];
}

/**
 * A unified diff of two texts, or '' when equal. `undefined` means the file does not exist
 * (shown against /dev/null).
 */
export function unifiedDiff(oldText: string | undefined, newText: string | undefined, oldName: string, newName = oldName): string {
  if (oldText === newText) return '';
  const ops = diffLines(splitLines(oldText ?? ''), splitLines(newText ?? ''));
  let out = `--- ${oldText === undefined ? '/dev/null' : oldName}\n+++ ${newText === undefined ? '/dev/null' : newName}\n`;
  const changed = ops.map((o, i) => (o.t !== ' ' ? i : -1)).filter((i) => i >= 0);
  if (!changed.length) {
    // only a trailing newline differs
    return `${out}@@ file ends ${oldText?.endsWith('\n') ? 'with' : 'without'} a newline before, ${newText?.endsWith('\n') ? 'with' : 'without'} after @@\n`;
  }
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - CONTEXT);
    let end = Math.min(ops.length, changed[k]! + CONTEXT + 1);
    while (k + 1 < changed.length && changed[k + 1]! - CONTEXT <= end) {
      k++;
      end = Math.min(ops.length, changed[k]! + CONTEXT + 1);
    }
    k++;
    let oldLine = 1;
    let newLine = 1;
    for (let i = 0; i < start; i++) {
      if (ops[i]!.t !== '+') oldLine++;
      if (ops[i]!.t !== '-') newLine++;
    }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((o) => o.t !== '+').length;
    const newCount = hunk.filter((o) => o.t !== '-').length;
    out += `@@ -${oldCount ? oldLine : oldLine - 1},${oldCount} +${newCount ? newLine : newLine - 1},${newCount} @@\n`;
    for (const o of hunk) out += `${o.t}${o.line}\n`;
  }
  return out;
}
