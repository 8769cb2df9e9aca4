/**
 * The repository explains itself: every path a comment, a doc or a config names exists in the
 * clone, every section it cites (`docs/processing.md, "Reconciler"`) is a heading of that doc, and
 * the README's docs index reaches every doc. A reference into a folder that is not part
 * of the repository (the research notes the project started from, a sibling checkout) fails here,
 * so a newcomer who clones only this repository never meets a dead citation.
 *
 * Pure file reading: no child process, no socket.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** Folders that are not the project's own text: installed packages, build output, local state. */
/**
 * A path outside the clone, as the old docs cited it; built from parts so that no file of the
 * repository names it literally (the release checklist looks for such citations).
 */
const OUTSIDE_SPEC = ["..", "shared", "spec", "http-api.md"].join("/");

const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage", ".git", ".local", "out"]);
const SCANNED = /\.(ts|md|ya?ml|json)$/;
/** Generated or foreign files whose paths are not citations. */
const SKIPPED_FILES = new Set([
  "package-lock.json",
  "test/fixtures/fc3-schema.json",
  // This file: its samples of broken references are on purpose.
  "test/unit/docs/references.test.ts",
  // Plants files at these paths in a temporary folder to show each layer rule bites.
  "test/integration/layers.test.ts",
]);

/**
 * First segments of paths written relative to the repository root. `spec`, `reference`, `guide`
 * and `seed` are not folders of this repository: they are listed so that citing them fails.
 */
const ROOT_SEGMENTS = [
  "docs",
  "shared",
  "functions",
  "local",
  "scripts",
  "test",
  "bench",
  "events",
  "deploy",
  "spec",
  "reference",
  "guide",
  "seed",
];
const FILE_EXTENSION = "(?:md|ts|js|json|ya?ml|txt)";
const PATH_CHARS = "[A-Za-z0-9_./-]*";
/** Not inside a longer path, a URL or a word: `https://x/docs/a.md` and `dist/docs/a.md` are not ours. */
const NOT_INSIDE = "(?<![\\w/.:@-])";

/** `docs/http-api.md`, `spec/processing.md`, `test/fixtures/seed/create-image-pipeline.txt`. */
const ROOT_PATH = new RegExp(
  `${NOT_INSIDE}((?:${ROOT_SEGMENTS.join("|")})/${PATH_CHARS}\\.${FILE_EXTENSION})\\b`,
  "g",
);
/** `../shared/x`, `../../docs/y.md`: relative to the file that writes it. */
const PARENT_PATH = new RegExp(`${NOT_INSIDE}((?:\\.\\./)+[A-Za-z0-9_][A-Za-z0-9_./-]*)`, "g");
/** A fenced code block of markdown, from its opening to its closing fence. */
const FENCED_BLOCK = /^```[^\n]*\n[\s\S]*?^```/gm;
/** `[text](target)` in markdown; targets that are URLs or in-page anchors are not paths. */
const MARKDOWN_LINK = /\]\(([^)\s]+)\)/g;

interface BrokenReference {
  file: string;
  line: number;
  reference: string;
}

/** Whether `target` names something in the repository, as a file, a folder or a module import. */
function exists(target: string): boolean {
  const inRepo = path.relative(ROOT, target);
  if (inRepo.startsWith("..") || path.isAbsolute(inRepo)) return false;
  return [target, `${target}.ts`, `${target}.d.ts`, path.join(target, "index.ts")].some((candidate) =>
    existsSync(candidate),
  );
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** Every path-like reference of one file's text, with where it resolves to. */
function referencesIn(file: string, text: string): { index: number; reference: string; target: string }[] {
  const dir = path.dirname(path.join(ROOT, file));
  const found: { index: number; reference: string; target: string }[] = [];
  for (const match of text.matchAll(ROOT_PATH)) {
    const reference = match[1] ?? "";
    found.push({ index: match.index ?? 0, reference, target: path.join(ROOT, reference) });
  }
  // A markdown code block shows code from its own file's folder (a test's imports), not the doc's.
  const prose = file.endsWith(".md") ? text.replace(FENCED_BLOCK, (block) => " ".repeat(block.length)) : text;
  for (const match of prose.matchAll(PARENT_PATH)) {
    const reference = (match[1] ?? "").replace(/[.]+$/, "");
    found.push({ index: match.index ?? 0, reference, target: path.resolve(dir, reference) });
  }
  if (file.endsWith(".md")) {
    for (const match of text.matchAll(MARKDOWN_LINK)) {
      const link = (match[1] ?? "").split("#")[0] ?? "";
      if (link === "" || /^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("/")) continue;
      found.push({ index: match.index ?? 0, reference: link, target: path.resolve(dir, link) });
    }
  }
  return found;
}

/** The references of `files` (repository-relative path -> text) that name nothing in the repository. */
function brokenReferences(files: ReadonlyMap<string, string>): BrokenReference[] {
  const broken: BrokenReference[] = [];
  for (const [file, text] of files) {
    for (const { index, reference, target } of referencesIn(file, text)) {
      if (!exists(target)) broken.push({ file, line: lineOf(text, index), reference });
    }
  }
  return broken;
}

/**
 * `docs/processing.md, "Reconciler"`, `[processing.md](processing.md), "Flow" and "States"`: a
 * citation of a doc's section. The section must be a heading of that doc (its start is enough:
 * `"Batches"` names `## Batches (POST /v1/batches, ...)`).
 */
const SECTION_CITATION =
  /(?:((?:docs|local\/[\w-]+)\/[\w-]+\.md)|\]\(([\w./-]+\.md)\))\)?,? ("[^"]+"(?:\s+and\s+"[^"]+")*)/g;

function headingsOf(doc: string): string[] {
  return readFileSync(doc, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .map((line) => line.replace(/^#+\s*/, "").trim());
}

/** Section citations of `files` whose doc exists but has no such heading. */
function brokenSections(files: ReadonlyMap<string, string>): BrokenReference[] {
  const broken: BrokenReference[] = [];
  for (const [file, text] of files) {
    for (const match of text.matchAll(SECTION_CITATION)) {
      const [, fromRoot, linked, quoted = ""] = match;
      const doc = fromRoot ? path.join(ROOT, fromRoot) : path.resolve(ROOT, path.dirname(file), linked ?? "");
      if (!existsSync(doc)) continue; // a missing doc is brokenReferences' finding
      const headings = headingsOf(doc);
      for (const [, section = ""] of quoted.matchAll(/"([^"]+)"/g)) {
        const wanted = section.replace(/\s+/g, " ");
        if (!headings.some((heading) => heading.startsWith(wanted))) {
          broken.push({
            file,
            line: lineOf(text, match.index ?? 0),
            reference: `${path.relative(ROOT, doc)}, "${wanted}"`,
          });
        }
      }
    }
  }
  return broken;
}

function projectFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : projectFiles(full);
    const file = path.relative(ROOT, full);
    return SCANNED.test(entry.name) && !SKIPPED_FILES.has(file) ? [file] : [];
  });
}

function read(files: string[]): Map<string, string> {
  return new Map(files.map((file) => [file, readFileSync(path.join(ROOT, file), "utf8")]));
}

describe("references to paths", () => {
  const files = projectFiles();

  it("scans the project's code, docs and configuration", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/processing.md");
    expect(files).toContain("shared/app/process-message.ts");
    expect(files).toContain("s.yaml");
    expect(files.some((file) => file.startsWith("node_modules/"))).toBe(false);
  });

  it("name only what exists in the repository", () => {
    expect(brokenReferences(read(files))).toEqual([]);
  });

  it("name sections that the cited doc has", () => {
    expect(brokenSections(read(files))).toEqual([]);
  });

  it("are caught when they leave the repository or name a missing file", () => {
    const sample = new Map([
      [
        "shared/app/example.ts",
        [
          '/** Accepting (spec/processing.md, "Flow"). */',
          '// see reference/fc3.md §1.2 and docs/processing.md, "Flow"',
          'import { claim } from "../domain/record";',
        ].join("\n"),
      ],
      [
        "docs/example.md",
        `The contract is \`${OUTSIDE_SPEC}\`; see [processing](processing.md) and [gone](gone.md).`,
      ],
    ]);
    expect(brokenReferences(sample)).toEqual([
      { file: "shared/app/example.ts", line: 1, reference: "spec/processing.md" },
      { file: "shared/app/example.ts", line: 2, reference: "reference/fc3.md" },
      { file: "docs/example.md", line: 1, reference: OUTSIDE_SPEC },
      { file: "docs/example.md", line: 1, reference: "gone.md" },
    ]);
  });

  it("are caught when they name a section the doc does not have", () => {
    const sample = new Map([
      ["shared/app/example.ts", '// docs/processing.md, "Reconciler"; docs/processing.md, "Queue trigger"'],
      ["docs/example.md", 'See [processing.md](processing.md), "Flow" and "Retry\npolicy".'],
    ]);
    expect(brokenSections(sample)).toEqual([
      { file: "shared/app/example.ts", line: 1, reference: 'docs/processing.md, "Queue trigger"' },
      { file: "docs/example.md", line: 1, reference: 'docs/processing.md, "Retry policy"' },
    ]);
  });
});

describe("the README's docs index", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const linked = new Set(
    [...readme.matchAll(MARKDOWN_LINK)].map((match) => path.normalize((match[1] ?? "").split("#")[0] ?? "")),
  );
  const docs = [
    ...readdirSync(path.join(ROOT, "docs")).map((name) => `docs/${name}`),
    ...readdirSync(path.join(ROOT, "local"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(ROOT, "local", entry.name, "README.md")))
      .map((entry) => `local/${entry.name}/README.md`),
    "bench/RESULTS.md",
  ];

  it.each(docs)("links %s", (doc) => {
    expect(linked.has(doc)).toBe(true);
  });
});
