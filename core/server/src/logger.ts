import type { Logger } from "@relance/core";
import pino from "pino";

export type AppLogger = pino.Logger & Logger;

/** Readable lines on a terminal, JSON elsewhere. Secrets are redacted by path wherever they may appear. */
export function createLogger(options: { level: string; format?: "pretty" | "json" | undefined; name?: string }): AppLogger {
  const pretty = (options.format ?? (process.stdout.isTTY ? "pretty" : "json")) === "pretty";
  return pino({
    name: options.name ?? "relance",
    level: options.level,
    redact: {
      paths: [
        "*.apiKey",
        "*.secrets",
        "*.secret",
        "*.password",
        "*.token",
        "*.accessToken",
        "*.refreshToken",
        "*.access_token",
        "*.refresh_token",
        "*.codeVerifier",
        "*.authorization",
        "*.Authorization",
        "headers.authorization",
      ],
      censor: "[redacted]",
    },
    ...(pretty
      ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss", ignore: "pid,hostname" } } }
      : {}),
  }) as AppLogger;
}
