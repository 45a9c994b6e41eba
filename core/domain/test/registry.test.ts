import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definePlugin } from "../src/plugins";
import { PluginRegistry } from "../src/registry";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

const echo = definePlugin({
  id: "echo-channel",
  kind: "channel",
  displayName: "Echo",
  version: "1.0.0",
  configSchema: z.object({ prefix: z.string().min(1) }),
  secretsSchema: z.object({ token: z.string().startsWith("tok_") }),
  auth: { type: "api_key", secretField: "token" },
  capabilities: ["send"],
  allowedHosts: [],
  create: ({ config }) => ({
    channel: "email" as const,
    send: async (message) => ({ externalId: `${config.prefix}${message.id}`, status: "accepted" as const }),
  }),
});

describe("PluginRegistry", () => {
  it("builds a plugin from validated settings", async () => {
    const registry = new PluginRegistry().register(echo);
    const channel = await registry.create("echo-channel", "channel", {
      config: { prefix: "x-" },
      secrets: { token: "tok_1" },
      logger: silent,
    });
    expect(registry.list("channel").map((plugin) => plugin.id)).toEqual(["echo-channel"]);
    expect(channel.channel).toBe("email");
  });

  it("names each bad field and never echoes a secret", async () => {
    const registry = new PluginRegistry().register(echo);
    const attempt = registry.create("echo-channel", "channel", { config: {}, secrets: { token: "hunter2" }, logger: silent });
    await expect(attempt).rejects.toMatchObject({
      code: "validation_failed",
      issues: [
        { path: "config.prefix", message: expect.any(String) },
        { path: "secrets.token", message: "invalid or missing" },
      ],
    });
    await attempt.catch((error: Error) => expect(JSON.stringify({ ...error, message: error.message })).not.toContain("hunter2"));
  });

  it("refuses bad ids, duplicates and the wrong kind", async () => {
    expect(() => new PluginRegistry().register({ ...echo, id: "Echo_Channel" })).toThrow(/kebab-case/);
    expect(() => new PluginRegistry().register(echo).register(echo)).toThrow(/registered twice/);
    expect(() => new PluginRegistry().register(echo).get("echo-channel", "connector")).toThrow(/is a channel, not a connector/);
    expect(() => new PluginRegistry().get("nope", "channel")).toThrow(/no plugin "nope"/);
  });
});
