/**
 * What a record or batch id looks like: a ULID, 26 characters of Crockford base32 whose first
 * character is 0-7 (48 bits of milliseconds cannot start higher). Use cases make ids
 * (shared/app/ids); the HTTP edge and the store only recognise them, so the shape lives here.
 */
export const RECORD_ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export const isRecordId = (value: string): boolean => RECORD_ID_PATTERN.test(value);
