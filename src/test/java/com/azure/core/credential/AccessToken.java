package com.azure.core.credential;

import java.time.OffsetDateTime;

/** A compile-time stand-in with the shape of azure-core's {@code AccessToken}. */
public class AccessToken {
  public String getToken() {
    throw new UnsupportedOperationException("compile-time stand-in");
  }

  public OffsetDateTime getExpiresAt() {
    throw new UnsupportedOperationException("compile-time stand-in");
  }
}
