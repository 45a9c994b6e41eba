/** Response bodies in tests are read loosely; their shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions navigate API payloads freely.
export type Loose = any;

export async function readJson(response: Response): Promise<Loose> {
  return response.json();
}
