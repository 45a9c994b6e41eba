/**
 * Xero stores a contact's country as free text ("United Kingdom", "NZ", "France"). These are the
 * names and codes we can read with confidence; anything else is left out rather than guessed.
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
  usa: "US",
  ireland: "IE",
  australia: "AU",
  "new zealand": "NZ",
  canada: "CA",
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

const CODES = new Set(Object.values(NAMES));

/** Languages where one is obvious for the country; multilingual countries (CH, CA) get none. */
const LANGUAGES: Readonly<Record<string, string>> = {
  FR: "fr",
  BE: "fr",
  LU: "fr",
  MC: "fr",
  GB: "en",
  US: "en",
  IE: "en",
  AU: "en",
  NZ: "en",
  DE: "de",
  AT: "de",
  ES: "es",
  IT: "it",
  NL: "nl",
  PT: "pt",
};

export function countryCode(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const clean = text.trim();
  if (/^[A-Za-z]{2}$/.test(clean)) {
    const upper = clean.toUpperCase();
    return upper === "UK" ? "GB" : CODES.has(upper) ? upper : undefined;
  }
  return NAMES[clean.toLowerCase()];
}

export function languageOf(country: string | undefined): string | undefined {
  return country === undefined ? undefined : LANGUAGES[country];
}
