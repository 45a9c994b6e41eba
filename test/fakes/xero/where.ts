/**
 * The small part of Xero's `where` language the fake understands: `Field=="text"`,
 * `Field==Guid("id")`, `Field==true|false`, combined with AND / OR and parentheses
 * (e.g. `Type=="ACCRECCREDIT" AND (CreditNoteID==Guid("…") OR CreditNoteID==Guid("…"))`).
 */
export type Predicate = (record: Readonly<Record<string, unknown>>) => boolean;

const TOKEN = /\s*(\(|\)|AND\b|OR\b|&&|\|\||[A-Za-z][A-Za-z0-9.]*\s*==\s*(?:Guid\("[^"]*"\)|"[^"]*"|true|false))/y;

export function parseWhere(text: string): Predicate {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match?.[1]) {
      if (text.slice(start).trim() === "") break;
      throw new Error(`cannot parse where clause near "${text.slice(start, start + 20)}"`);
    }
    tokens.push(match[1]);
  }
  let at = 0;
  const peek = () => tokens[at];
  const expression = (): Predicate => {
    let left = term();
    while (peek() === "OR" || peek() === "||") {
      at++;
      const right = term();
      const before = left;
      left = (record) => before(record) || right(record);
    }
    return left;
  };
  const term = (): Predicate => {
    let left = factor();
    while (peek() === "AND" || peek() === "&&") {
      at++;
      const right = factor();
      const before = left;
      left = (record) => before(record) && right(record);
    }
    return left;
  };
  const factor = (): Predicate => {
    const token = tokens[at++];
    if (token === "(") {
      const inner = expression();
      if (tokens[at++] !== ")") throw new Error("unbalanced parentheses in where clause");
      return inner;
    }
    const comparison = token && /^([A-Za-z][A-Za-z0-9.]*)\s*==\s*(.+)$/.exec(token);
    if (!comparison) throw new Error(`unexpected "${token ?? "end"}" in where clause`);
    const [, field = "", raw = ""] = comparison;
    const expected = raw.startsWith("Guid(")
      ? raw.slice(6, -2).toLowerCase()
      : raw.startsWith('"')
        ? raw.slice(1, -1)
        : raw === "true";
    return (record) => {
      const value = record[field];
      return typeof expected === "string" && typeof value === "string"
        ? raw.startsWith("Guid(")
          ? value.toLowerCase() === expected
          : value === expected
        : value === expected;
    };
  };
  const predicate = expression();
  if (at !== tokens.length) throw new Error("trailing tokens in where clause");
  return predicate;
}
