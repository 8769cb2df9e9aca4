/**
 * Splits DockerFile-style template content into commands (docs/request-contract.md §6.1, S5: "one command, or one
 * part of a command, per line"; a command spans lines when every line but its last ends with `\`).
 *
 * Choices where the docs are silent (docs/request-contract.md §6.1: no comment rule is documented):
 * - Lines that are empty or hold only spaces/tabs, and lines whose first non-blank character is `#`,
 *   separate commands and are ignored there (the Dockerfile convention). Inside a continuation they
 *   are ordinary text of the command, as the literal S5 rule says: the continued line is simply the
 *   next line.
 * - A line continues when its last character other than spaces/tabs is `\` (Docker tolerates
 *   trailing blanks too; a copy-pasted template often has them).
 * - The continuation joins the lines with one space. S5's own LABEL example
 *   (`LABEL user="username"\` + `date="2020-11-11" ...`) only reads as two pairs that way.
 * - Only space and tab separate words. Other whitespace and control characters stay in the text,
 *   where the content rules reject them.
 * - Lines end at `\n`; a `\r` just before it (CRLF) is dropped.
 */

export interface TemplateCommand {
  /** The first word, exactly as written (case is judged by the caller). */
  keyword: string;
  /** Everything after the keyword with the continuations joined, trimmed of spaces and tabs. */
  args: string;
  /** 1-based number of the command's first physical line. */
  line: number;
}

export interface SplitTemplate {
  commands: TemplateCommand[];
  /** 1-based line of a last line that ends with `\` although nothing follows it, if any. */
  danglingContinuationLine?: number;
}

const BLANK_LINE = /^[ \t]*$/;
const COMMENT_LINE = /^[ \t]*#/;
const CONTINUATION = /\\[ \t]*$/;
const KEYWORD_AND_ARGS = /^[ \t]*([^ \t]+)[ \t]*([\s\S]*)$/;

function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

export function splitTemplate(content: string): SplitTemplate {
  const lines = content.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  // Trailing blank lines (the usual final newline among them) are no part of any command, so a
  // continuation that is followed only by them has nothing to continue onto.
  let end = lines.length;
  while (end > 0 && BLANK_LINE.test(lines[end - 1] ?? "")) end--;

  const commands: TemplateCommand[] = [];
  let danglingContinuationLine: number | undefined;
  let index = 0;
  while (index < end) {
    const first = lines[index] ?? "";
    if (BLANK_LINE.test(first) || COMMENT_LINE.test(first)) {
      index++;
      continue;
    }
    const startLine = index + 1;
    const parts: string[] = [];
    for (;;) {
      const text = lines[index] ?? "";
      index++;
      if (!CONTINUATION.test(text)) {
        parts.push(text);
        break;
      }
      parts.push(text.replace(CONTINUATION, ""));
      if (index >= end) {
        danglingContinuationLine = index;
        break;
      }
    }
    const match = KEYWORD_AND_ARGS.exec(parts.join(" "));
    // A first line that is only `\` has no keyword; it still counts as a (nameless) command.
    commands.push({ keyword: match?.[1] ?? "", args: trimBlanks(match?.[2] ?? ""), line: startLine });
  }
  return danglingContinuationLine === undefined ? { commands } : { commands, danglingContinuationLine };
}
