/**
 * Who made a request, as the verified token says (./auth). On its own so the request shape
 * (./api-request) can carry it without importing the verifier, which imports the request shape.
 */
export interface Caller {
  /** The JWT `sub`: records are owned by it. */
  sub: string;
  scopes: ReadonlySet<string>;
}
