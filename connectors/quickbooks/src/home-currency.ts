/**
 * The company's home currency, for records QuickBooks sends without CurrencyRef. From the connection's
 * config when set; otherwise read once from Preferences (CurrencyPrefs.HomeCurrency) and kept for the
 * life of this plugin instance.
 */
import { isCurrency, RelanceError } from "@relance/core";
import type { QboClient } from "./client";
import { qboPreferencesSchema } from "./qbo-types";

export interface HomeCurrency {
  known(): string | undefined;
  /** Records a value read on the way (e.g. in a batch); the configured one wins. */
  learn(preferences: unknown): void;
  resolve(): Promise<string>;
}

export function homeCurrencyOfPreferences(preferences: unknown): string | undefined {
  const parsed = qboPreferencesSchema.safeParse(preferences);
  const code = parsed.success ? parsed.data.CurrencyPrefs?.HomeCurrency?.value.trim().toUpperCase() : undefined;
  return code && isCurrency(code) ? code : undefined;
}

export function createHomeCurrency(configured: string | undefined, client: Pick<QboClient, "preferences">): HomeCurrency {
  let known = configured;
  return {
    known: () => known,
    learn(preferences) {
      known ??= homeCurrencyOfPreferences(preferences);
    },
    async resolve() {
      if (known !== undefined) return known;
      known = homeCurrencyOfPreferences(await client.preferences());
      if (known === undefined) {
        throw new RelanceError(
          "misconfigured",
          "QuickBooks did not say the company's home currency: set homeCurrency in the connection",
        );
      }
      return known;
    },
  };
}
