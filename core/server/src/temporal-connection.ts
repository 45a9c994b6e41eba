import { readFile } from "node:fs/promises";
import type { Env } from "@relance/config";
import type { ConnectionOptions } from "@temporalio/client";

/** Connection settings for a real cluster or Temporal Cloud (TLS, mTLS, API key) from the environment. */
export async function temporalConnectionOptions(env: Env, address: string): Promise<ConnectionOptions> {
  const useTls = env.TEMPORAL_TLS ?? Boolean(env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA);
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
    throw new Error("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mutual TLS needs both)");
  }
  const tls = useTls
    ? {
        ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
        ...(env.TEMPORAL_TLS_CA ? { serverRootCACertificate: await readFile(env.TEMPORAL_TLS_CA) } : {}),
        ...(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY
          ? { clientCertPair: { crt: await readFile(env.TEMPORAL_TLS_CERT), key: await readFile(env.TEMPORAL_TLS_KEY) } }
          : {}),
      }
    : undefined;
  return {
    address,
    ...(tls ? { tls } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}
