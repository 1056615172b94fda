package io.cosmoslite;

import java.time.Instant;
import java.util.Objects;

/**
 * An access token and the instant it expires. Immutable; {@link #toString()} shows the expiry
 * only, never the token.
 */
public final class AccessToken {
  private final String token;
  private final Instant expiresAt;

  /**
   * @throws NullPointerException when an argument is null
   * @throws IllegalArgumentException when {@code token} is empty
   */
  public AccessToken(String token, Instant expiresAt) {
    Objects.requireNonNull(token, "token == null");
    if (token.isEmpty()) {
      throw new IllegalArgumentException("token is empty");
    }
    this.token = token;
    this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt == null");
  }

  /** The bearer token itself. */
  public String token() {
    return token;
  }

  /** When the token stops being accepted. */
  public Instant expiresAt() {
    return expiresAt;
  }

  @Override public boolean equals(Object other) {
    return other instanceof AccessToken && ((AccessToken) other).token.equals(token)
        && ((AccessToken) other).expiresAt.equals(expiresAt);
  }

  @Override public int hashCode() {
    return token.hashCode() * 31 + expiresAt.hashCode();
  }

  @Override public String toString() {
    return "AccessToken{expiresAt=" + expiresAt + ", token=redacted}";
  }
}
