/** Token providers for tests and benchmarks: the server's, without its lock and its store. */
import type { OAuthTokens, TokenProvider } from "@relance/core";

/** A token response of a fake's authorisation server (the OAuth 2.0 fields). */
export interface IssuedTokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
}

/** The tokens a connection holds after that response. */
export function tokensOf(issued: IssuedTokens): OAuthTokens {
  return {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: Date.now() + issued.expires_in * 1000,
  };
}

/** Refreshes through `refresh` when the token in use is refused; counts refusals and refreshes. */
export class RefreshOnRejection implements TokenProvider {
  rejections = 0;
  refreshes = 0;

  constructor(
    public tokens: OAuthTokens,
    private readonly refresh: (tokens: OAuthTokens) => Promise<OAuthTokens>,
  ) {}

  async accessToken(): Promise<string> {
    return this.tokens.accessToken;
  }

  async rejected(token: string): Promise<string> {
    this.rejections += 1;
    if (token === this.tokens.accessToken) {
      this.refreshes += 1;
      this.tokens = await this.refresh(this.tokens);
    }
    return this.tokens.accessToken;
  }
}
