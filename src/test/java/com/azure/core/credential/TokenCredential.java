package com.azure.core.credential;

import reactor.core.publisher.Mono;

/**
 * A compile-time stand-in with the shape of azure-core's {@code TokenCredential}, so the README's
 * azure-identity adapter is compiled (ReadmeExamples) without azure-core on the test classpath.
 * Never run.
 */
public interface TokenCredential {
  Mono<AccessToken> getToken(TokenRequestContext request);
}
