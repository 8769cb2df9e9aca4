/**
 * Types for the part of `@alicloud/mns` 1.2.0 we use (the package ships none). Imported by its file
 * path, `lib/client.js`, because the package root picks an ES5 build at run time that bundlers
 * cannot follow (docs/cloud-facts.md, "Cold start and bundling"). Every body field arrives as a string (xml2js).
 */
declare module "@alicloud/mns/lib/client.js" {
  export interface MnsSdkOptions {
    /** Required unless `endpoint` is given. */
    region?: string | undefined;
    accessKeyId: string;
    accessKeySecret: string;
    /** Sent as the unsigned `security-token` header. */
    securityToken?: string | undefined;
    refreshSTSToken?: () => Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string }>;
    refreshSTSTokenInterval?: number;
    secure?: boolean;
    internal?: boolean | undefined;
    vpc?: boolean;
    /** `http://` or `https://` URL; replaces `<accountId>.mns.<region>.aliyuncs.com`. */
    endpoint?: string;
    readTimeout?: number;
    /** Also used by Node as the socket idle timeout, so it must outlast a long poll. */
    connectTimeout?: number;
  }

  export interface MnsSdkResponse<Body> {
    code: number;
    headers: Record<string, string | undefined>;
    body: Body;
  }

  export interface SdkSentMessage {
    MessageId?: string;
    MessageBodyMD5?: string;
    ErrorCode?: string;
    ErrorMessage?: string;
  }

  export interface SdkReceivedMessage {
    MessageId: string;
    ReceiptHandle: string;
    MessageBodyMD5: string;
    MessageBody: string;
    EnqueueTime: string;
    NextVisibleTime: string;
    FirstDequeueTime: string;
    DequeueCount: string;
    Priority: string;
  }

  export interface SdkSendParams {
    MessageBody: string;
    DelaySeconds?: number;
    Priority?: number;
  }

  export default class MnsSdkClient {
    constructor(accountId: string, options: MnsSdkOptions);
    createQueue(
      name: string,
      attributes?: Record<string, string | number | boolean>,
    ): Promise<MnsSdkResponse<undefined>>;
    deleteQueue(name: string): Promise<MnsSdkResponse<undefined>>;
    getQueueAttributes(name: string): Promise<MnsSdkResponse<Record<string, string>>>;
    setQueueAttributes(
      name: string,
      attributes: Record<string, string | number | boolean>,
    ): Promise<MnsSdkResponse<undefined>>;
    listQueue(
      start?: string,
      limit?: number,
      prefix?: string,
    ): Promise<MnsSdkResponse<{ QueueURL: string }[] | undefined>>;
    sendMessage(queue: string, params: SdkSendParams): Promise<MnsSdkResponse<SdkSentMessage>>;
    batchSendMessage(queue: string, params: SdkSendParams[]): Promise<MnsSdkResponse<SdkSentMessage[]>>;
    receiveMessage(queue: string, waitSeconds?: number): Promise<MnsSdkResponse<SdkReceivedMessage>>;
    batchReceiveMessage(
      queue: string,
      numOfMessages: number,
      waitSeconds?: number,
    ): Promise<MnsSdkResponse<SdkReceivedMessage[]>>;
    peekMessage(
      queue: string,
    ): Promise<MnsSdkResponse<Omit<SdkReceivedMessage, "ReceiptHandle" | "NextVisibleTime">>>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MnsSdkResponse<undefined>>;
    batchDeleteMessage(
      queue: string,
      receiptHandles: string[],
    ): Promise<
      MnsSdkResponse<{ ErrorCode: string; ErrorMessage: string; ReceiptHandle: string }[] | undefined>
    >;
    changeMessageVisibility(
      queue: string,
      receiptHandle: string,
      visibilityTimeout: number,
    ): Promise<MnsSdkResponse<{ ReceiptHandle: string; NextVisibleTime: string }>>;
    createTopic(
      name: string,
      attributes?: Record<string, string | number | boolean>,
    ): Promise<MnsSdkResponse<undefined>>;
    getTopicAttributes(name: string): Promise<MnsSdkResponse<Record<string, string>>>;
    publishMessage(
      topic: string,
      params: { MessageBody: string; MessageTag?: string },
    ): Promise<MnsSdkResponse<SdkSentMessage>>;
    /** The signed request every method goes through; `type` is the expected XML root. */
    request(
      method: "GET" | "PUT" | "POST" | "DELETE",
      resource: string,
      type: string,
      body: string | Buffer,
    ): Promise<MnsSdkResponse<Record<string, string> | undefined>>;
  }
}
