/**
 * QuickBooks stores a country as free text (whatever the user typed: "USA", "United Kingdom", "FR").
 * Recognisable forms become ISO 3166-1 alpha-2; anything else is dropped rather than guessed.
 */
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

const NAMES: Readonly<Record<string, string>> = {
  "united states": "US",
  "united states of america": "US",
  us: "US",
  usa: "US",
  "u.s.": "US",
  "u.s.a.": "US",
  "united kingdom": "GB",
  uk: "GB",
  "great britain": "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  france: "FR",
  canada: "CA",
  australia: "AU",
  "new zealand": "NZ",
  ireland: "IE",
  germany: "DE",
  deutschland: "DE",
  belgium: "BE",
  belgique: "BE",
  switzerland: "CH",
  suisse: "CH",
  spain: "ES",
  españa: "ES",
  italy: "IT",
  italia: "IT",
  netherlands: "NL",
  "the netherlands": "NL",
  portugal: "PT",
  austria: "AT",
  luxembourg: "LU",
  india: "IN",
  "south africa": "ZA",
  singapore: "SG",
  mexico: "MX",
};

/** Two-letter codes we accept as they are (ISO 3166-1 alpha-2 of the countries QBO is sold in and their neighbours). */
const ALPHA2 = new Set([...Object.values(ALPHA3), ...Object.values(NAMES)]);

export function countryCode(text: string | undefined): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const upper = value.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && ALPHA2.has(upper)) return upper;
  if (/^[A-Z]{3}$/.test(upper) && ALPHA3[upper] !== undefined) return ALPHA3[upper];
  return NAMES[value.toLowerCase()];
}

/** Only where one language is obvious; bilingual countries (CA, BE, CH, LU) get none. */
const LANGUAGE: Readonly<Record<string, string>> = {
  US: "en",
  GB: "en",
  AU: "en",
  NZ: "en",
  IE: "en",
  SG: "en",
  FR: "fr",
  DE: "de",
  AT: "de",
  ES: "es",
  MX: "es",
  IT: "it",
  NL: "nl",
  PT: "pt",
};

export function languageOf(country: string | undefined): string | undefined {
  return country === undefined ? undefined : LANGUAGE[country];
}
