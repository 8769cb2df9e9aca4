/**
 * Syntax checks for the text after a command keyword. Each returns `undefined` when the text is
 * acceptable, else the reason as a sentence fragment that reads after the command name
 * ("ENV <reason>"). Sources are the rows of docs/request-contract.md §6.2 (S5 unless noted).
 */

/** Shows user text in a message: quoted, escaped, and short enough for a one-line problem detail. */
export function quote(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}

/** Words separated by spaces and tabs (the only separators; see commands.ts). */
/** "1 argument", "2 arguments". */
export function count(amount: number, noun: string): string {
  return `${amount} ${noun}${amount === 1 ? "" : "s"}`;
}

export function words(text: string): string[] {
  return text.split(/[ \t]+/).filter((word) => word !== "");
}

/**
 * Control characters other than tab cannot be part of a shell command, a path or a name, and show
 * up in text that was pasted or encoded wrongly (our rule; the docs state none).
 */
export function controlCharacterProblem(args: string): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const code = args.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      return `contains the control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    }
  }
  return undefined;
}

interface KeyValuePair {
  key: string;
  value: string;
}

/**
 * Reads `key1="value1" key2="value2"`. S5 says of ENV that in this form "each value must be in
 * double quotes", and writes LABEL the same way. Inside the quotes `\"` and `\\` are escapes.
 */
function parseQuotedPairs(text: string): KeyValuePair[] | string {
  const pairs: KeyValuePair[] = [];
  let index = 0;
  const atBlank = () => text[index] === " " || text[index] === "\t";
  while (index < text.length) {
    while (index < text.length && atBlank()) index++;
    if (index >= text.length) break;
    const keyStart = index;
    while (index < text.length && text[index] !== "=" && !atBlank()) index++;
    const key = text.slice(keyStart, index);
    if (text[index] !== "=") return `has ${quote(key)} where a key="value" pair is expected`;
    index++;
    if (text[index] !== '"') return `gives the value of ${quote(key)} without double quotes`;
    index++;
    let value = "";
    let closed = false;
    while (index < text.length) {
      const char = text[index];
      if (char === "\\" && (text[index + 1] === '"' || text[index + 1] === "\\")) {
        value += text[index + 1];
        index += 2;
      } else if (char === '"') {
        closed = true;
        index++;
        break;
      } else {
        value += char;
        index++;
      }
    }
    if (!closed) return `does not close the double quotes of the value of ${quote(key)}`;
    if (index < text.length && !atBlank()) {
      return `has text right after the closing quote of ${quote(key)}; separate pairs with a space`;
    }
    pairs.push({ key, value });
  }
  return pairs;
}

/** Shell variable names (POSIX): the only names a Linux environment variable can be read back by. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** S5: `ENV key value` or `ENV key1="value1" key2="value2"`. */
export function envProblem(args: string): string | undefined {
  const [first = ""] = words(args);
  if (!first.includes("=")) {
    if (!ENV_NAME.test(first)) return `has the invalid variable name ${quote(first)}`;
    if (words(args).length < 2) return `sets ${quote(first)} without a value; write ENV key value`;
    return undefined;
  }
  const pairs = parseQuotedPairs(args);
  if (typeof pairs === "string") return pairs;
  const badName = pairs.find((pair) => !ENV_NAME.test(pair.key));
  return badName === undefined ? undefined : `has the invalid variable name ${quote(badName.key)}`;
}

/** Label keys as Docker writes them (`com.example.key`, `org.opencontainers.image.title`). */
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** S5: `LABEL key1="value1" key2="value2"` pairs. */
export function labelProblem(args: string): string | undefined {
  const pairs = parseQuotedPairs(args);
  if (typeof pairs === "string") return pairs;
  const badKey = pairs.find((pair) => !LABEL_KEY.test(pair.key));
  return badKey === undefined ? undefined : `has the invalid key ${quote(badKey.key)}`;
}

const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** S5 says network files are fetched with wget, which speaks these schemes. */
const WGET_SCHEMES = new Set(["http", "https", "ftp", "ftps"]);

/** S5: `COPY <network file URL> <local dest dir>` or `COPY <local source path> <local dest dir>`. */
export function copyProblem(args: string): string | undefined {
  const parts = words(args);
  if (parts.length !== 2) {
    return `needs exactly a source and a destination, but has ${count(parts.length, "argument")}`;
  }
  const [source = "", destination = ""] = parts;
  const scheme = URL_SCHEME.exec(source)?.[1];
  if (scheme !== undefined) {
    if (!WGET_SCHEMES.has(scheme.toLowerCase())) {
      return `cannot download ${quote(source)}: only http, https, ftp and ftps URLs can be fetched`;
    }
    if (/^[^:]+:\/\/[/?#]/.test(source) || /^[^:]+:\/\/$/.test(source)) {
      return `has the URL ${quote(source)} without a host`;
    }
    if (source.includes("?")) return `has a query string in ${quote(source)}, which COPY does not support`;
  }
  if (URL_SCHEME.test(destination))
    return `has the URL ${quote(destination)} as its destination; use a local directory`;
  return undefined;
}

/** S5: `WORKDIR /<path>` or `WORKDIR <path1>/<path2>`: one path. */
export function workdirProblem(args: string): string | undefined {
  const parts = words(args);
  return parts.length === 1 ? undefined : `takes one path, but has ${count(parts.length, "word")}`;
}

/** Linux user names (useradd's portable set; `$` ends machine accounts), or a numeric uid. */
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;

/** S5: `USER <username>`. */
export function userProblem(args: string): string | undefined {
  const parts = words(args);
  if (parts.length !== 1) return `takes one user name, but has ${count(parts.length, "word")}`;
  return USER_NAME.test(args) ? undefined : `has the invalid user name ${quote(args)}`;
}

/**
 * S5: `CMD ["executable","param1","param2"]` or `CMD command param1 param2` (ENTRYPOINT alike). Text
 * that starts with `[` is taken as the JSON form and must be a non-empty JSON array of strings.
 * Docker would fall back to the shell form; we do not, so that a broken array is reported rather
 * than run as a shell line that starts with `[`.
 */
export function execFormProblem(args: string): string | undefined {
  if (!args.startsWith("[")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return "starts with [ but is not a valid JSON array";
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((item) => typeof item === "string")) {
    return 'starts with [ but is not a non-empty JSON array of strings like ["executable","param1"]';
  }
  return undefined;
}

/** S5 / docs/request-contract.md §6.2: `FROM <BaseImageType>:<BaseImage>`, with only the types a FROM could name. */
const FROM_SOURCE = /^(IMAGE|IMAGE_FAMILY):[^ \t]+$/;

export function fromProblem(args: string): string | undefined {
  return FROM_SOURCE.test(args)
    ? undefined
    : `must be FROM IMAGE:<image id> or FROM IMAGE_FAMILY:<family name>`;
}

/** An image component ID (ECS IDs are lower-case letters and digits after the prefix). */
const COMPONENT_ID = /^ic-[a-z0-9]+$/;
/**
 * S5 syntax `acs:ecs:<RegionId>:<AliUid>:imagecomponent/<ComponentName>:<major>.<minor>.<patch>`,
 * whose examples all use `/` before the version instead (docs/request-contract.md §6.2, "separator mismatch"), so
 * both are accepted. `*` may stand for any version part. Component names may themselves contain
 * `:` and `.` (CreateImageComponent's Name rule), so the version is matched from the end. The owner
 * is not restricted to digits because system components are not owned by a numeric account.
 */
const COMPONENT_ARN =
  /^acs:ecs:[a-z0-9-]+:[A-Za-z0-9_-]+:imagecomponent\/[^/ \t]+[/:](?:\d+|\*)\.(?:\d+|\*)\.(?:\d+|\*)$/;

export function componentReferenceProblem(reference: string): string | undefined {
  if (COMPONENT_ID.test(reference) || COMPONENT_ARN.test(reference)) return undefined;
  return (
    `names ${quote(reference)}, which is neither an ic-<id> nor ` +
    "acs:ecs:<region>:<uid>:imagecomponent/<name>/<major>.<minor>.<patch>"
  );
}

/** Splits on blanks, keeping a double-quoted word (with `\"` escapes) together as one word. */
function quotedWords(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|[^ \t]+/g) ?? [];
}

const COMPONENT_PARAMETER = /^--[A-Za-z_][A-Za-z0-9_.-]*$/;

/** S5: `COMPONENT ic-xxxxxxxx --paramName1 value1 --paramName2 value2`. */
export function componentParametersProblem(parameters: string): string | undefined {
  const parts = quotedWords(parameters);
  const seen = new Set<string>();
  for (let index = 0; index < parts.length; index += 2) {
    const name = parts[index] ?? "";
    if (!COMPONENT_PARAMETER.test(name)) return `has ${quote(name)} where a --parameterName is expected`;
    if (seen.has(name)) return `passes the parameter ${quote(name)} twice`;
    seen.add(name);
    const value = parts[index + 1];
    if (value === undefined || value.startsWith("--"))
      return `passes the parameter ${quote(name)} without a value`;
  }
  return undefined;
}
