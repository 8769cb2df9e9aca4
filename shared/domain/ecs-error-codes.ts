/** Placeholder: the seed's error-code table lands here. */
export function httpStatusOfEcsCode(_code: string): number {
  return 400;
}
