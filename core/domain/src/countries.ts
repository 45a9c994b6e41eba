/**
 * Ledgers keep a country as free text ("United Kingdom", "USA", "FR"). The forms we can read with
 * confidence become ISO 3166-1 alpha-2; anything else is left out rather than guessed.
 */
const NAMES: Readonly<Record<string, string>> = {
  "united kingdom": "GB",
  uk: "GB",
  "great britain": "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  "northern ireland": "GB",
  "united states": "US",
  "united states of america": "US",
  us: "US",
  usa: "US",
  "u.s.": "US",
  "u.s.a.": "US",
  ireland: "IE",
  australia: "AU",
  "new zealand": "NZ",
  canada: "CA",
  mexico: "MX",
  "south africa": "ZA",
  singapore: "SG",
  france: "FR",
  belgium: "BE",
  belgique: "BE",
  luxembourg: "LU",
  monaco: "MC",
  switzerland: "CH",
  suisse: "CH",
  germany: "DE",
  deutschland: "DE",
  austria: "AT",
  spain: "ES",
  espana: "ES",
  españa: "ES",
  italy: "IT",
  italia: "IT",
  netherlands: "NL",
  "the netherlands": "NL",
  portugal: "PT",
  denmark: "DK",
  sweden: "SE",
  norway: "NO",
  finland: "FI",
  poland: "PL",
  japan: "JP",
  china: "CN",
  "hong kong": "HK",
  india: "IN",
};

const ALPHA3: Readonly<Record<string, string>> = {
  USA: "US",
  GBR: "GB",
  FRA: "FR",
  CAN: "CA",
  AUS: "AU",
  NZL: "NZ",
  IRL: "IE",
  DEU: "DE",
  BEL: "BE",
  CHE: "CH",
  ESP: "ES",
  ITA: "IT",
  NLD: "NL",
  PRT: "PT",
  AUT: "AT",
  LUX: "LU",
  IND: "IN",
  ZAF: "ZA",
  SGP: "SG",
  MEX: "MX",
};

/** Two-letter codes accepted as they are: the countries above. */
const ALPHA2 = new Set([...Object.values(NAMES), ...Object.values(ALPHA3)]);

/** Only where one language is obvious; multilingual countries (BE, CA, CH, LU) get none. */
const LANGUAGES: Readonly<Record<string, string>> = {
  US: "en",
  GB: "en",
  IE: "en",
  AU: "en",
  NZ: "en",
  SG: "en",
  FR: "fr",
  MC: "fr",
  DE: "de",
  AT: "de",
  ES: "es",
  MX: "es",
  IT: "it",
  NL: "nl",
  PT: "pt",
};

export function countryCode(text: string | undefined): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const upper = value.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper)) return upper === "UK" ? "GB" : ALPHA2.has(upper) ? upper : undefined;
  if (/^[A-Z]{3}$/.test(upper) && ALPHA3[upper] !== undefined) return ALPHA3[upper];
  return NAMES[value.toLowerCase()];
}

/** A language hint from a country, when one is obvious. */
export function languageOfCountry(country: string | undefined): string | undefined {
  return country === undefined ? undefined : LANGUAGES[country];
}
