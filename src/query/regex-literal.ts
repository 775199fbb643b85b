// A literal every match of an RE2 pattern must contain, so a cheap substring test can drop most
// rows before the regex runs. Conservative: no literal (null) whenever the pattern could match
// without it — top-level alternation, flags, or text inside groups, classes and optional parts.

/** Shorter literals filter too little to pay for the extra test. */
const MIN_LITERAL = 3;

export function requiredLiteral(pattern: string): string | null {
  // flags such as (?i) change what later text matches; (?:…) and (?P<name>…) are plain groups
  if (/\(\?(?!:|P<)/.test(pattern)) return null;
  let best = '';
  let run = '';
  let depth = 0;
  const endRun = (): void => {
    if (depth === 0 && run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || /[0-9A-Za-z]/.test(next)) {
        endRun(); // \d, \w, \b, \x41, \pL…: a class or an assertion, not one literal character
        i++;
        continue;
      }
      if (depth === 0) run += next;
      i++;
    } else if (char === '|') {
      if (depth === 0) return null;
    } else if (char === '(') {
      endRun();
      depth++;
    } else if (char === ')') {
      depth = Math.max(0, depth - 1);
    } else if (char === '[') {
      endRun();
      i = classEnd(pattern, i);
    } else if (char === '*' || char === '?' || char === '{') {
      run = run.slice(0, -1); // the character before is optional or repeated a counted number of times
      endRun();
      if (char === '{') i = Math.max(i, pattern.indexOf('}', i));
    } else if (char === '+') {
      endRun(); // the character before stays: it occurs at least once
    } else if (char === '.' || char === '^' || char === '$') {
      endRun();
    } else if (depth === 0) {
      run += char;
    }
  }
  endRun();
  return best.length >= MIN_LITERAL ? best : null;
}

/** Index of the `]` closing the class opened at `start` (a leading `]` or `^]` is literal). */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return pattern.length;
}
