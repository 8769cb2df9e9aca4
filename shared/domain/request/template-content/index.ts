/**
 * Lints the DockerFile-style template text of CreateImagePipeline's BuildContent and TestContent
 * against the Image Builder command reference (docs/request-contract.md, "Where the rules come from", §1, §6)
 * and reports faults with the codes of the API's error table (the seed, test/fixtures/seed/create-image-pipeline.txt).
 *
 * Decisions where the sources are silent, each a named rule below:
 * - Command keywords are accepted in upper case only. S5 writes every command in upper case and
 *   states no case rule; Image Builder's parser is not Docker's, so `run` might reach the service
 *   and fail a build half an hour in. Rejecting it here with the fix costs the caller one edit.
 * - Content with no command (empty, blank, or comments only) is rejected; a caller who wants no
 *   template omits the parameter.
 * - FROM is checked more strictly than the service does today (it ignores FROM since 2025,
 *   docs/request-contract.md §6.3) because the seed still lists DuplicatedCommand.FROM, InvalidCommandOrder.FROM
 *   and InvalidCommandContent.FROM; a valid FROM is accepted with a warning that it has no effect.
 * - TestContent takes the same commands as BuildContent, COMPONENT included: the API's own example
 *   for TestContent is a list of COMPONENT lines (seed, TestContent row).
 */

import {
  type CommandWithContentCode,
  type CommandWithEmptyCode,
  DEPRECATED_FROM_WARNING,
  emptyContentCode,
  invalidContentCode,
  invalidFieldCode,
  TEMPLATE_CODE,
  type TemplateField,
} from "./codes";
import { splitTemplate, type TemplateCommand } from "./commands";
import {
  componentParametersProblem,
  componentReferenceProblem,
  controlCharacterProblem,
  copyProblem,
  envProblem,
  execFormProblem,
  fromProblem,
  labelProblem,
  quote,
  userProblem,
  words,
  workdirProblem,
} from "./content-syntax";

export {
  TEMPLATE_CONTENT_CODES,
  TEMPLATE_CONTENT_WARNING_CODES,
  type TemplateField,
} from "./codes";

export interface TemplateViolation {
  code: string;
  /** A sentence naming the field, the line and the command. */
  detail: string;
  /** 1-based line of the command's first physical line, when the fault belongs to one command. */
  line?: number;
}

export interface TemplateLintResult {
  violations: TemplateViolation[];
  warnings: TemplateViolation[];
}

/** Reference §1 and §6.1: "≤ 16 KB" for BuildContent and TestContent, read as 16 × 1024 UTF-8 bytes. */
export const MAX_TEMPLATE_CONTENT_BYTES = 16 * 1024;
/** Reference §6.1: at most 127 commands (2021 and 2024 API docs); a multi-line command counts once. */
export const MAX_TEMPLATE_COMMANDS = 127;
/**
 * Our cap on reported violations, so that 16 KB of garbage cannot produce a huge problem body. The
 * last reported entry then says how many more there were.
 */
export const MAX_REPORTED_VIOLATIONS = 50;

/** What one command's content is checked against. */
interface CommandRule {
  /** Where the rule comes from, for a reader checking it against the reference. */
  source: string;
  /** The documented form, quoted back to the caller when the content is missing. */
  syntax: string;
  /** Code for the command written with nothing after it; absent when that is allowed. */
  emptyCode?: (field: TemplateField) => string;
  /** Code for any text after the command, where the command must stand alone. */
  notEmptyCode?: string;
  /** Code for content that breaks the syntax below (or holds a control character). */
  invalidCode?: (field: TemplateField) => string;
  /** The syntax of the content, for commands whose content is not free text. */
  problem?: (args: string) => string | undefined;
  /** Instead of `problem`, for content whose parts have different codes. */
  findings?: (args: string, field: TemplateField) => Finding[];
}

interface Finding {
  code: string;
  reason: string;
}

const emptyCodeOf = (command: CommandWithEmptyCode) => () => emptyContentCode(command);
const invalidCodeOf = (command: CommandWithContentCode) => () => invalidContentCode(command);

const COMMAND_RULES: ReadonlyMap<string, CommandRule> = new Map(
  Object.entries({
    COMPONENT: {
      syntax: "COMPONENT ic-<id> [--name value ...]",
      source: "§6.2 COMPONENT: ic-<id> [--name value]..., or the acs:ecs ARN form",
      // No EmptyCommandContent.COMPONENT exists. InvalidImageComponent.NotSupported says "the specified
      // image component is not available", which misleads when none is specified; the field's
      // catch-all is the true statement.
      emptyCode: invalidFieldCode,
      // Per part: a bad reference is InvalidImageComponent.NotSupported, bad parameters the catch-all.
      invalidCode: () => TEMPLATE_CODE.invalidComponent,
      findings: componentFindings,
    },
    RESTART: {
      syntax: "RESTART",
      source: "§6.2 RESTART: nothing may follow the keyword",
      notEmptyCode: TEMPLATE_CODE.restartWithContent,
    },
    RUN: {
      syntax: "RUN <shell command>",
      source: "§6.2 RUN: shell text, so any text that a shell can take",
      emptyCode: emptyCodeOf("RUN"),
      invalidCode: invalidCodeOf("RUN"),
    },
    ENV: {
      syntax: "ENV key value",
      source: '§6.2 ENV: key value, or key1="value1" key2="value2" with every value in double quotes',
      emptyCode: emptyCodeOf("ENV"),
      invalidCode: invalidCodeOf("ENV"),
      problem: envProblem,
    },
    WORKDIR: {
      syntax: "WORKDIR <path>",
      source: "§6.2 WORKDIR: one path",
      emptyCode: emptyCodeOf("WORKDIR"),
      invalidCode: invalidCodeOf("WORKDIR"),
      problem: workdirProblem,
    },
    COPY: {
      syntax: "COPY <source> <destination directory>",
      source: "§6.2 COPY: a source (local path or URL without a query string) and a destination",
      emptyCode: emptyCodeOf("COPY"),
      invalidCode: invalidCodeOf("COPY"),
      problem: copyProblem,
    },
    USER: {
      syntax: "USER <user name>",
      source: "§6.2 USER: one user name",
      emptyCode: emptyCodeOf("USER"),
      invalidCode: invalidCodeOf("USER"),
      problem: userProblem,
    },
    LABEL: {
      syntax: 'LABEL key="value"',
      source: '§6.2 LABEL: key="value" pairs',
      emptyCode: emptyCodeOf("LABEL"),
      // The seed has no InvalidCommandContent.LABEL; the field's catch-all is the nearest code.
      invalidCode: invalidFieldCode,
      problem: labelProblem,
    },
    CMD: {
      syntax: 'CMD <command> or CMD ["executable","param"]',
      source: '§6.2 CMD: ["executable","param1"] or command param1',
      emptyCode: emptyCodeOf("CMD"),
      invalidCode: invalidCodeOf("CMD"),
      problem: execFormProblem,
    },
    ENTRYPOINT: {
      syntax: 'ENTRYPOINT ["executable","param"]',
      source: '§6.2 ENTRYPOINT: ["executable","param1"] or command param1',
      emptyCode: emptyCodeOf("ENTRYPOINT"),
      invalidCode: invalidCodeOf("ENTRYPOINT"),
      problem: execFormProblem,
    },
    FROM: {
      syntax: "FROM IMAGE:<image id>",
      source: "§6.2/§6.3 FROM <BaseImageType>:<BaseImage>; deprecated and ignored since 2025",
      // No EmptyCommandContent.FROM exists; a FROM naming nothing is FROM with invalid content.
      emptyCode: invalidCodeOf("FROM"),
      invalidCode: invalidCodeOf("FROM"),
      problem: fromProblem,
    },
  } satisfies Record<string, CommandRule>),
);

const SUPPORTED_COMMANDS = [...COMMAND_RULES.keys()];

function unsupportedCommand(keyword: string): Finding {
  const reason =
    keyword === ""
      ? "a line continuation with no command before it is not a command"
      : SUPPORTED_COMMANDS.includes(keyword.toUpperCase())
        ? `${quote(keyword)} must be written in upper case as ${keyword.toUpperCase()}`
        : `${quote(keyword)} is not an Image Builder template command (supported: ${SUPPORTED_COMMANDS.join(", ")})`;
  return { code: TEMPLATE_CODE.unsupportedCommand, reason };
}

function contentFinding(command: string, rule: CommandRule, args: string, field: TemplateField): Finding[] {
  if (rule.notEmptyCode !== undefined) {
    return args === ""
      ? []
      : [
          {
            code: rule.notEmptyCode,
            reason: `${command} must stand alone, but is followed by ${quote(args)}`,
          },
        ];
  }
  if (args === "") {
    return rule.emptyCode === undefined
      ? []
      : [{ code: rule.emptyCode(field), reason: `${command} has nothing after it; write ${rule.syntax}` }];
  }
  const invalidCode = rule.invalidCode?.(field) ?? invalidFieldCode(field);
  const control = controlCharacterProblem(args);
  if (control !== undefined) return [{ code: invalidCode, reason: `${command} ${control}` }];
  if (rule.findings !== undefined) return rule.findings(args, field);
  const problem = rule.problem?.(args);
  return problem === undefined ? [] : [{ code: invalidCode, reason: `${command} ${problem}` }];
}

function componentFindings(args: string, field: TemplateField): Finding[] {
  const [reference = ""] = words(args);
  const findings: Finding[] = [];
  const referenceProblem = componentReferenceProblem(reference);
  if (referenceProblem !== undefined) {
    findings.push({ code: TEMPLATE_CODE.invalidComponent, reason: `COMPONENT ${referenceProblem}` });
  }
  const parametersProblem = componentParametersProblem(
    args.slice(args.indexOf(reference) + reference.length),
  );
  if (parametersProblem !== undefined) {
    findings.push({ code: invalidFieldCode(field), reason: `COMPONENT ${parametersProblem}` });
  }
  return findings;
}

/** FROM order and count (seed: DuplicatedCommand.FROM, InvalidCommandOrder.FROM; docs/request-contract.md §6.3). */
function fromPlacementFinding(position: number, earlierFrom: boolean): Finding | undefined {
  if (earlierFrom) {
    return {
      code: TEMPLATE_CODE.duplicatedFrom,
      reason: "FROM appears a second time; a template has at most one FROM",
    };
  }
  if (position > 0) {
    return { code: TEMPLATE_CODE.fromNotFirst, reason: "FROM must be the first command of the template" };
  }
  return undefined;
}

function lintCommands(
  commands: readonly TemplateCommand[],
  field: TemplateField,
  result: TemplateLintResult,
): void {
  const at = (line: number, reason: string) => `${field} line ${line}: ${reason}.`;
  let earlierFrom = false;
  commands.forEach((command, position) => {
    const rule = COMMAND_RULES.get(command.keyword);
    const findings: Finding[] = [];
    if (rule === undefined) {
      findings.push(unsupportedCommand(command.keyword));
    } else {
      if (command.keyword === "FROM") {
        const placement = fromPlacementFinding(position, earlierFrom);
        if (placement !== undefined) findings.push(placement);
        earlierFrom = true;
      }
      const contentFindings = contentFinding(command.keyword, rule, command.args, field);
      findings.push(...contentFindings);
      if (command.keyword === "FROM" && contentFindings.length === 0 && result.warnings.length === 0) {
        result.warnings.push({
          code: DEPRECATED_FROM_WARNING,
          line: command.line,
          detail: at(
            command.line,
            "FROM is deprecated and ignored by the service; BaseImageType and BaseImage choose the source image",
          ),
        });
      }
    }
    for (const finding of findings) {
      result.violations.push({
        code: finding.code,
        line: command.line,
        detail: at(command.line, finding.reason),
      });
    }
    if (position === MAX_TEMPLATE_COMMANDS) {
      result.violations.push({
        code: TEMPLATE_CODE.tooManyCommands,
        line: command.line,
        detail: at(
          command.line,
          `the template has ${commands.length} commands, more than the ${MAX_TEMPLATE_COMMANDS} allowed; this is command ${position + 1}`,
        ),
      });
    }
  });
}

function capViolations(violations: TemplateViolation[], field: TemplateField): TemplateViolation[] {
  if (violations.length <= MAX_REPORTED_VIOLATIONS) return violations;
  const kept = violations.slice(0, MAX_REPORTED_VIOLATIONS - 1);
  const omitted = violations.length - kept.length;
  kept.push({
    code: invalidFieldCode(field),
    detail: `${field} has ${omitted} more problems that are not listed; fix the ones above first.`,
  });
  return kept;
}

export function lintTemplateContent(content: string, field: TemplateField): TemplateLintResult {
  const result: TemplateLintResult = { violations: [], warnings: [] };
  // Each UTF-16 unit is at least one UTF-8 byte: far over the limit, the size is the one fault
  // worth reporting, and linting megabytes of text would only cost time.
  const farTooLong = content.length > 4 * MAX_TEMPLATE_CONTENT_BYTES;
  const bytes = farTooLong ? content.length : new TextEncoder().encode(content).length;
  if (bytes > MAX_TEMPLATE_CONTENT_BYTES) {
    result.violations.push({
      // The seed has a length code for BuildContent only; for TestContent its catch-all is used.
      code: field === "BuildContent" ? TEMPLATE_CODE.buildContentTooLong : invalidFieldCode(field),
      detail: `${field} is ${farTooLong ? "at least " : ""}${bytes} bytes in UTF-8, more than the ${MAX_TEMPLATE_CONTENT_BYTES} bytes (16 KB) allowed.`,
    });
    if (farTooLong) return result;
  }
  const { commands, danglingContinuationLine } = splitTemplate(content);
  if (commands.length === 0) {
    result.violations.push({
      code: invalidFieldCode(field),
      detail: `${field} contains no command; omit the parameter when there is nothing to run.`,
    });
  }
  lintCommands(commands, field, result);
  if (danglingContinuationLine !== undefined) {
    result.violations.push({
      code: invalidFieldCode(field),
      line: danglingContinuationLine,
      detail: `${field} line ${danglingContinuationLine}: the last line ends with a line continuation (\\) but no line follows it.`,
    });
  }
  result.violations = capViolations(result.violations, field);
  return result;
}
