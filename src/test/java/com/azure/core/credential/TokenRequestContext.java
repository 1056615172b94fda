package com.azure.core.credential;

import java.util.List;

/** A compile-time stand-in with the shape of azure-core's {@code TokenRequestContext}. */
public class TokenRequestContext {
  public TokenRequestContext setScopes(List<String> scopes) {
    return this;
  }
}
