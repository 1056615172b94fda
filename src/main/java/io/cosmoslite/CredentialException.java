package io.cosmoslite;

/**
 * Why a built-in credential gave no token. Its message names the credential and the reason and
 * never holds a secret, an assertion or a token. "Unavailable" means the credential is not set up
 * here (no environment variables, no managed identity endpoint, no CLI): the default chain then
 * tries the next one; any other failure ends the chain.
 */
final class CredentialException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean unavailable;

  CredentialException(String message, boolean unavailable) {
    super(message, null, false, false);
    this.unavailable = unavailable;
  }

  boolean unavailable() {
    return unavailable;
  }
}
