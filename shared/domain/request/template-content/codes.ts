/**
 * Every code the template-content linter can report. The ECS codes come from the error-code table
 * of CreateImagePipeline (the seed, test/fixtures/seed/create-image-pipeline.txt, "Error codes"); `InvalidParameter.<field>` is
 * the table's catch-all for a build or test template it cannot name more precisely.
 */

export type TemplateField = "BuildContent" | "TestContent";

/** Commands whose content the service checks and names in `InvalidCommandContent.<CMD>` (seed table). */
export const COMMANDS_WITH_CONTENT_CODE = [
  "RUN",
  "ENV",
  "WORKDIR",
  "COPY",
  "USER",
  "FROM",
  "CMD",
  "ENTRYPOINT",
] as const;

/** Commands the seed table names in `EmptyCommandContent.<CMD>` ("you must specify <CMD>"). */
export const COMMANDS_WITH_EMPTY_CODE = [
  "LABEL",
  "ENV",
  "ENTRYPOINT",
  "CMD",
  "COPY",
  "WORKDIR",
  "USER",
  "RUN",
] as const;

export type CommandWithContentCode = (typeof COMMANDS_WITH_CONTENT_CODE)[number];
export type CommandWithEmptyCode = (typeof COMMANDS_WITH_EMPTY_CODE)[number];

export const TEMPLATE_CODE = {
  buildContentTooLong: "InvalidBuildContent.LengthExceeded",
  tooManyCommands: "InvalidImageTemplateCommandSize.ExceededMaxNumber",
  duplicatedFrom: "DuplicatedCommand.FROM",
  fromNotFirst: "InvalidCommandOrder.FROM",
  unsupportedCommand: "InvalidImageTemplateCommand.NotSupported",
  restartWithContent: "NotEmptyCommandContent.RESTART",
  invalidComponent: "InvalidImageComponent.NotSupported",
  invalidBuildContent: "InvalidParameter.BuildContent",
  invalidTestContent: "InvalidParameter.TestContent",
} as const;

export const invalidContentCode = (command: CommandWithContentCode) =>
  `InvalidCommandContent.${command}` as const;

export const emptyContentCode = (command: CommandWithEmptyCode) => `EmptyCommandContent.${command}` as const;

/** The table's catch-all for the field being linted (it has one per field, nothing finer). */
export const invalidFieldCode = (field: TemplateField) =>
  field === "BuildContent" ? TEMPLATE_CODE.invalidBuildContent : TEMPLATE_CODE.invalidTestContent;

/** Codes that can appear in `violations`. A test elsewhere checks the seed's template codes against it. */
export const TEMPLATE_CONTENT_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(TEMPLATE_CODE),
  ...COMMANDS_WITH_CONTENT_CODE.map(invalidContentCode),
  ...COMMANDS_WITH_EMPTY_CODE.map(emptyContentCode),
]);

/**
 * Codes that can appear in `warnings`. Not ECS codes: ECS accepts these silently, so it documents no
 * code; the names follow the table's `<Fault>.<COMMAND>` pattern.
 */
export const TEMPLATE_CONTENT_WARNING_CODES: ReadonlySet<string> = new Set<string>([
  "DeprecatedCommand.FROM",
]);

export const DEPRECATED_FROM_WARNING = "DeprecatedCommand.FROM";
