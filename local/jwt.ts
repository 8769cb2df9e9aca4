/**
 * The local stack's token issuer: an ES256 key pair, the JWKS the functions verify against
 * (`/_local/jwks.json`), and dev tokens. With a directory the private key is kept there
 * (`jwt-signing-key.json`), so tokens survive restarts and `npm run dev-token` signs with the same
 * key as the running stack without talking to it; without one the key lives in memory only.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";

export const LOCAL_JWT_ISSUER = "https://local.image-pipelines.dev";
export const LOCAL_JWT_AUDIENCE = "image-pipeline-api";
export const DEFAULT_DEV_SCOPE = "pipelines:write pipelines:read";
export const JWT_KEY_FILE = "jwt-signing-key.json";
const ALGORITHM = "ES256";

export interface DevTokenClaims {
  sub: string;
  /** Space-separated scopes; default {@link DEFAULT_DEV_SCOPE}. */
  scope?: string | undefined;
  /** Default 24 h. */
  expiresInSeconds?: number | undefined;
}

export interface LocalJwtIssuer {
  jwks(): { keys: JWK[] };
  issue(claims: DevTokenClaims): Promise<string>;
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: ALGORITHM, use: "sig", kid: `local-${Date.now().toString(36)}` };
}

/** Reads the key in `dir`, creating it on first use; two processes racing get the same key. */
async function keyInDirectory(dir: string): Promise<JWK> {
  const file = path.join(dir, JWT_KEY_FILE);
  try {
    return JSON.parse(await readFile(file, "utf8")) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dir, { recursive: true });
  const jwk = await newPrivateJwk();
  try {
    await writeFile(file, `${JSON.stringify(jwk)}\n`, { flag: "wx", mode: 0o600 });
    return jwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return JSON.parse(await readFile(file, "utf8")) as JWK;
  }
}

export async function loadJwtIssuer(dir?: string): Promise<LocalJwtIssuer> {
  const privateJwk = dir ? await keyInDirectory(dir) : await newPrivateJwk();
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  const { d: _secret, ...publicJwk } = privateJwk;
  return {
    jwks: () => ({ keys: [{ ...publicJwk }] }),
    issue: (claims) =>
      new SignJWT({ scope: claims.scope ?? DEFAULT_DEV_SCOPE })
        .setProtectedHeader({
          alg: ALGORITHM,
          typ: "JWT",
          ...(privateJwk.kid ? { kid: privateJwk.kid } : {}),
        })
        .setSubject(claims.sub)
        .setIssuer(LOCAL_JWT_ISSUER)
        .setAudience(LOCAL_JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${claims.expiresInSeconds ?? 24 * 3600}s`)
        .sign(privateKey),
  };
}
