/**
 * Just enough JavaScript lexing for the build's patches to match tokens instead of text layout: which
 * characters are code (not inside a comment, a string, template text or a regular expression literal),
 * and where a bracket closes. The patches then find their patterns with whitespace-tolerant regexes
 * at code positions and cut whole blocks by their brackets, so a reformatted dependency (other
 * indentation, other line breaks) still patches, and a brace inside a string cannot end a block early.
 *
 * Not a parser: a `/` starts a regular expression after an operator, an opening bracket, a comma,
 * a semicolon or one of the keywords below, as in the sources we patch. The TypeScript parser does
 * this exactly but takes ~4.5 s on the Tablestore module; this takes tens of milliseconds.
 */

const REGEX_AFTER_CHAR = new Set("(,=:[!&|?{};+-*%<>~^");
const REGEX_AFTER_WORD = /\b(return|typeof|case|in|of|delete|void|throw|new|else|do|yield|await)$/;

/** 1 for every character that is code, 0 inside comments, strings, template text and regex literals. */
export function codeMask(source: string): Uint8Array {
  const mask = new Uint8Array(source.length);
  // One entry per `${` we are inside: the depth of `{` opened within that template expression.
  const templates: number[] = [];
  // The last non-blank character that was code or ended a literal: decides whether `/` is division.
  let lastCode = -1;
  let i = 0;
  const skipTemplateText = (): void => {
    // From just after a backtick or a `}` closing `${`: to the closing backtick or the next `${`.
    while (i < source.length) {
      const c = source[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        lastCode = i++;
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        lastCode = i + 1;
        i += 2;
        templates.push(0);
        return;
      } else i++;
    }
  };
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < source.length && source[i] !== c) i += source[i] === "\\" ? 2 : 1;
      lastCode = i++;
    } else if (c === "`") {
      i++;
      skipTemplateText();
    } else if (c === "/" && startsRegex(source, mask, lastCode)) {
      i = regexEnd(source, i);
      lastCode = i - 1;
    } else if (c === "}" && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      skipTemplateText();
    } else {
      if (templates.length > 0 && (c === "{" || c === "}")) {
        templates[templates.length - 1] = (templates[templates.length - 1] as number) + (c === "{" ? 1 : -1);
      }
      if (!/\s/.test(c)) lastCode = i;
      mask[i] = 1;
      i++;
    }
  }
  return mask;
}

function startsRegex(source: string, mask: Uint8Array, lastCode: number): boolean {
  if (lastCode < 0) return true;
  const prev = source[lastCode] as string;
  if (REGEX_AFTER_CHAR.has(prev)) return true;
  let start = lastCode;
  while (start > 0 && mask[start - 1] === 1 && /[\w$]/.test(source[start - 1] as string)) start--;
  return REGEX_AFTER_WORD.test(source.slice(start, lastCode + 1));
}

function regexEnd(source: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < source.length && source[i] !== "\n") {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) break;
    i++;
  }
  i++;
  while (i < source.length && /[a-z]/.test(source[i] as string)) i++;
  return i;
}

const CLOSER: Readonly<Record<string, string>> = { "{": "}", "(": ")", "[": "]" };

/** The index of the bracket that closes the one at `open` (a code `{`, `(` or `[`); -1 if none does. */
export function closingBracket(source: string, mask: Uint8Array, open: number): number {
  const opener = source[open] as string;
  const closer = CLOSER[opener];
  if (closer === undefined || mask[open] !== 1) throw new Error(`no code bracket at ${open}`);
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (mask[i] !== 1) continue;
    if (source[i] === opener) depth++;
    else if (source[i] === closer && --depth === 0) return i;
  }
  return -1;
}

/** The matches of a global `pattern` that start in code, each with its brace depth (0 = top level). */
export function codeMatches(
  source: string,
  mask: Uint8Array,
  pattern: RegExp,
): { match: RegExpExecArray; depth: number }[] {
  if (!pattern.global) throw new Error(`codeMatches needs a global pattern: ${pattern}`);
  const found: { match: RegExpExecArray; depth: number }[] = [];
  let depth = 0;
  let counted = 0;
  for (const match of source.matchAll(pattern)) {
    if (mask[match.index] !== 1) continue;
    for (; counted < match.index; counted++) {
      if (mask[counted] !== 1) continue;
      if (source[counted] === "{") depth++;
      else if (source[counted] === "}") depth--;
    }
    found.push({ match: match as RegExpExecArray, depth });
  }
  return found;
}

/** `source` without the given [start, end) ranges (sorted, not overlapping). */
export function withoutRanges(source: string, ranges: readonly (readonly [number, number])[]): string {
  const parts: string[] = [];
  let from = 0;
  for (const [start, end] of ranges) {
    parts.push(source.slice(from, start));
    from = end;
  }
  parts.push(source.slice(from));
  return parts.join("");
}
