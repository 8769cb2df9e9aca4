/**
 * Validates fc3 component `props` against the fc3 schema (devsapp/fc3 `src/schema.json`, committed
 * as test/fixtures/fc3-schema.json so CI on a clean clone needs nothing outside the repository).
 *
 * The schema alone is too lenient for triggers: `ITrigger.triggerConfig` is an `anyOf` over every
 * trigger kind, and one member (`IOtsConfig`) is a bare `{"type":"object"}`, so any object passes.
 * Each trigger's config is therefore also checked against the one definition its `triggerType`
 * names, which is what fc3 itself does when it converts the config for the FC API.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

export const FC3_SCHEMA_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../fixtures/fc3-schema.json",
);

/** sha256 of devsapp/fc3 `src/schema.json` at commit 4ca1c1b8 (docs/cloud-facts.md, "The fc3 component (s.yaml)"). */
export const FC3_SCHEMA_SHA256 = "898f3c98627525d28323fe8bd575c64c8d91c2324b1ad448882e5a9487b7ed15";

/** fc3 `ITriggerType` -> the schema definition that describes that trigger's `triggerConfig`. */
export const TRIGGER_CONFIG_DEFINITIONS: Readonly<Record<string, string>> = {
  http: "IHttpTriggerConfig",
  timer: "ITimerTriggerConfig",
  oss: "IOssTriggerConfig",
  log: "ILogTriggerConfig",
  mns_topic: "IMnsTriggerConfig",
  cdn_events: "ICdnTriggerConfig",
  tablestore: "IOtsConfig",
  eventbridge: "IEventBridge",
};

export interface PropsCheck {
  /** Errors from the whole fc3 schema, exactly as fc3's own ajv run would report them. */
  schemaErrors: string[];
  /** Errors from checking each trigger's config against the definition of its type. */
  triggerErrors: string[];
}

export function fc3SchemaSha256(): string {
  return createHash("sha256").update(readFileSync(FC3_SCHEMA_PATH)).digest("hex");
}

function describe(errors: ErrorObject[] | null | undefined, prefix = ""): string[] {
  return (errors ?? []).map((e) => `${prefix}${e.instancePath || "/"} ${e.message ?? e.keyword}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function createPropsValidator(): (props: unknown) => PropsCheck {
  const schema: unknown = JSON.parse(readFileSync(FC3_SCHEMA_PATH, "utf8"));
  if (!isRecord(schema)) throw new Error(`${FC3_SCHEMA_PATH} is not a JSON schema object`);
  // The schema declares draft-07, Ajv's default dialect. Strict mode stays on except
  // strictRequired: the schema's if/then branches list `required` keys whose `properties` live
  // at the top level, which strictRequired flags as a schema-authoring lint; it does not change
  // what validates.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  ajv.addSchema(schema, "fc3");
  const validateProps = ajv.getSchema("fc3") as ValidateFunction;
  const triggerValidators = new Map<string, ValidateFunction>();
  for (const [type, definition] of Object.entries(TRIGGER_CONFIG_DEFINITIONS)) {
    const validate = ajv.getSchema(`fc3#/definitions/${definition}`);
    if (!validate) throw new Error(`fc3 schema has no definition ${definition}`);
    triggerValidators.set(type, validate);
  }

  return (props) => {
    const schemaErrors = validateProps(props) ? [] : describe(validateProps.errors);
    const triggerErrors: string[] = [];
    const triggers = isRecord(props) && Array.isArray(props.triggers) ? props.triggers : [];
    triggers.forEach((trigger: unknown, index) => {
      if (!isRecord(trigger)) return;
      const validate = triggerValidators.get(String(trigger.triggerType));
      if (!validate) {
        triggerErrors.push(`/triggers/${index}/triggerType unknown type ${String(trigger.triggerType)}`);
      } else if (!validate(trigger.triggerConfig)) {
        triggerErrors.push(...describe(validate.errors, `/triggers/${index}/triggerConfig`));
      }
    });
    return { schemaErrors, triggerErrors };
  };
}
