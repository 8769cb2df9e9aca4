/**
 * The MNS error codes the emulator answers, with the HTTP status the service pairs with each
 * (https://www.alibabacloud.com/help/en/message-service/latest/syntax-of-error-responses; the name
 * codes are those the official SDKs map, e.g. aliyun-mns-go-sdk client.go). One table, so the server,
 * the store and the tests agree.
 */
export const MNS_ERRORS = {
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  InternalError: 500,
  InvalidArgument: 400,
  InvalidAuthorizationHeader: 400,
  InvalidDateHeader: 400,
  InvalidDigest: 400,
  InvalidQueueName: 400,
  QueueNameLengthError: 400,
  TopicNameInvalid: 400,
  TopicNameLengthError: 400,
  SubscriptionNameInvalid: 400,
  SubscriptionNameLengthError: 400,
  InvalidRequestURL: 400,
  InvalidQueryString: 400,
  MalformedXML: 400,
  MissingAuthorizationHeader: 400,
  MissingDateHeader: 400,
  MissingVersionHeader: 400,
  MissingReceiptHandle: 400,
  MissingVisibilityTimeout: 400,
  ReceiptHandleError: 400,
  TimeExpired: 400,
  EndpointInvalid: 400,
  MessageNotExist: 404,
  QueueNotExist: 404,
  TopicNotExist: 404,
  SubscriptionNotExist: 404,
  QueueAlreadyExist: 409,
  TopicAlreadyExist: 409,
  SubscriptionAlreadyExist: 409,
} as const;

export type MnsErrorCode = keyof typeof MNS_ERRORS;

/** A refusal the emulator answers as an MNS `<Error>` document. */
export class MnsServiceError extends Error {
  override readonly name = "MnsServiceError";
  readonly httpStatus: number;
  constructor(
    readonly code: MnsErrorCode,
    message: string,
  ) {
    super(message);
    this.httpStatus = MNS_ERRORS[code];
  }
}
