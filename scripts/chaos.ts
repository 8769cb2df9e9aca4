/**
 * `npm run chaos -- [--records 200] [--faults all|none|JSON|part.name=value,...] [--topic-outage S]
 *   [--kill-every S] [--max-kills N] [--seed N] [--timeout S]`
 *
 * Drives the local stack under faults and kill -9 restarts, then checks every invariant of
 * issue 12 (scripts/chaos/invariants.ts). Prints the figures and a table of rules; exits 1 on any
 * violation, 2 on bad options.
 */
import { parseArgs } from "node:util";
import type { FaultSettings } from "../local/control-plane";
import { RULES } from "./chaos/invariants";
import { ALL_FAULTS, runChaos, table } from "./chaos/run";

const USAGE =
  "usage: npm run chaos -- [--records N] [--faults all|none|JSON|part.name=value,...] [--topic-outage SECONDS] [--kill-every SECONDS] [--max-kills N] [--seed N] [--timeout SECONDS]";

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function count(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    fail(`--${name} must be a whole number >= ${min}, got "${text}"`);
  return value;
}

/** `all`, `none`, a JSON object, or `ecs.throttleRate=0.3,worker.crashAfterCallRate=0.02`. */
export function parseFaults(text: string | undefined): FaultSettings {
  if (text === undefined || text === "all") return ALL_FAULTS;
  if (text === "none") return {};
  if (text.trim().startsWith("{")) return JSON.parse(text) as FaultSettings;
  const faults: Record<string, Record<string, unknown>> = {};
  for (const pair of text.split(",")) {
    const match = /^(ecs|mns|tablestore|worker)\.(\w+)=(.+)$/.exec(pair.trim());
    if (!match) fail(`--faults: "${pair}" is not part.name=value`);
    const [, part, name, value] = match as unknown as [string, string, string, string];
    faults[part] = { ...faults[part], [name]: JSON.parse(value) };
  }
  return faults as FaultSettings;
}

async function main(): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: Object.fromEntries(
        ["records", "faults", "topic-outage", "kill-every", "max-kills", "seed", "timeout"].map((name) => [
          name,
          { type: "string" as const },
        ]),
      ),
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const allFaults = values.faults === undefined || values.faults === "all";
  const report = await runChaos({
    records: count("records", values.records, 200, 1),
    faults: parseFaults(values.faults),
    topicOutageSeconds: count("topic-outage", values["topic-outage"], allFaults ? 30 : 0),
    killEverySeconds: count("kill-every", values["kill-every"], 0),
    maxKills: count("max-kills", values["max-kills"], Number.MAX_SAFE_INTEGER),
    seed: count("seed", values.seed, 1),
    timeoutSeconds: count("timeout", values.timeout, 900, 1),
    log: (line) => console.error(line),
  });
  console.log(`\n${table(report.figures)}\n`);
  const byRule = RULES.map((rule): [string, string] => {
    const broken = report.violations.filter((v) => v.rule === rule);
    return [rule, broken.length === 0 ? "ok" : `${broken.length} VIOLATION(S)`];
  });
  console.log(`${table(byRule)}\n`);
  for (const v of report.violations.slice(0, 50)) console.log(`  ${v.rule}: ${v.detail}`);
  process.exit(report.violations.length === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
