/**
 * The service's own error codes and HTTP statuses (docs/cloud-facts.md, "Tablestore errors"). Thrown inside
 * the emulator and turned into a protobuf `Error` body at the HTTP edge, or into a per-row error
 * inside batch operations.
 */
export class OtsFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = "OtsFailure";
  }
}

export const ots = {
  parameterInvalid: (message: string) => new OtsFailure("OTSParameterInvalid", message, 400),
  conditionCheckFail: () => new OtsFailure("OTSConditionCheckFail", "Condition check failed.", 403),
  tableNotExist: () => new OtsFailure("OTSObjectNotExist", "Requested table does not exist.", 404),
  tableAlreadyExist: () => new OtsFailure("OTSObjectAlreadyExist", "Requested table already exists.", 409),
  authFailed: (message: string) => new OtsFailure("OTSAuthFailed", message, 403),
  tooFrequentThroughputAdjustment: () =>
    new OtsFailure(
      "OTSTooFrequentReservedThroughputAdjustment",
      "Capacity unit adjustment is too frequent.",
      403,
    ),
  serverBusy: () => new OtsFailure("OTSServerBusy", "Server is busy.", 503),
  unsupportedOperation: (operation: string) =>
    new OtsFailure("OTSUnsupportOperation", `Unsupported operation: '${operation}'.`, 400),
  methodNotAllowed: () => new OtsFailure("OTSMethodNotAllowed", "Only POST is supported.", 405),
  bodyTooLarge: () => new OtsFailure("OTSRequestBodyTooLarge", "The request body is too large.", 413),
  internal: (message: string) => new OtsFailure("OTSInternalServerError", message, 500),
};
