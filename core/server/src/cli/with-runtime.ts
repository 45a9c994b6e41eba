import type { Env } from "@relance/config";
import type { AppLogger } from "../logger";
import { createRuntime, dayMsFrom, type Runtime } from "../runtime";

/** One-shot commands: a runtime for the duration of `work`, closed afterwards whatever happens. */
export async function withRuntime<T>(env: Env, logger: AppLogger, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime({
    env,
    logger,
    devMode: env.RELANCE_DEV_MODE ?? false,
    temporalAddress: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.RELANCE_TEMPORAL_PORT}`,
    dayMs: dayMsFrom(env),
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
