package io.cosmoslite;

import java.net.http.HttpClient;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A source of Microsoft Entra ID access tokens: given scopes, an asynchronous token with its
 * expiry. The client caches what it returns per scope and asks again ahead of expiry, one request
 * at a time, so an implementation need not cache.
 *
 * <p>Built-in credentials are the static factories below; each talks to its token endpoint with
 * {@code java.net.http} and nothing else. Anyone who already has azure-identity passes one lambda
 * over its credential:
 *
 * <pre>{@code
 * com.azure.core.credential.TokenCredential azure = new DefaultAzureCredentialBuilder().build();
 * TokenCredential credential = scopes -> azure
 *     .getToken(new TokenRequestContext().setScopes(scopes))
 *     .map(t -> new AccessToken(t.getToken(), t.getExpiresAt().toInstant()))
 *     .toFuture();
 * }</pre>
 *
 * <p>Failures complete the future exceptionally; their messages never contain a secret, an
 * assertion or a token. Every token endpoint is HTTPS except the managed identity endpoints that
 * the platform defines (IMDS and the App Service one), which are plain HTTP on a link-local or
 * loopback address.
 */
@FunctionalInterface
public interface TokenCredential {
  /**
   * An access token for {@code scopes} (the client passes one scope, e.g.
   * {@code https://myaccount.documents.azure.com/.default}). Should not block the calling thread;
   * may complete on any thread.
   */
  CompletableFuture<AccessToken> getToken(List<String> scopes);

  /**
   * The default chain, in the spirit of azure-identity's {@code DefaultAzureCredential}:
   * environment (client secret from {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_ID},
   * {@code AZURE_CLIENT_SECRET}), workload identity ({@code AZURE_FEDERATED_TOKEN_FILE}), managed
   * identity (user-assigned when {@code AZURE_CLIENT_ID} is set), then the Azure CLI. The first
   * that is configured and answers is kept for later calls. {@code AZURE_TOKEN_CREDENTIALS} pins
   * the chain: {@code dev} (the CLI), {@code prod} (environment, workload identity, managed
   * identity) or one credential's name ({@code EnvironmentCredential},
   * {@code WorkloadIdentityCredential}, {@code ManagedIdentityCredential},
   * {@code AzureCliCredential}). {@code AZURE_AUTHORITY_HOST} replaces
   * {@code https://login.microsoftonline.com}. The environment is read once, here.
   *
   * <p>When no credential gives a token, the failure lists each one tried and why it failed.
   *
   * @throws IllegalArgumentException when {@code AZURE_TOKEN_CREDENTIALS} or
   *     {@code AZURE_AUTHORITY_HOST} has a value this library does not accept
   */
  static TokenCredential defaultChain() {
    return new DefaultCredentialChain(System.getenv(), EntraHttp.sharedClient());
  }

  /**
   * The managed identity of the Azure host: the App Service / Functions endpoint when
   * {@code IDENTITY_ENDPOINT} and {@code IDENTITY_HEADER} are set, the instance metadata service
   * ({@code http://169.254.169.254}) otherwise. System-assigned identity.
   */
  static TokenCredential managedIdentity() {
    return new ManagedIdentityCredential(System.getenv(), EntraHttp.sharedClient(), null,
        ManagedIdentityCredential.IMDS, ManagedIdentityCredential.TIMEOUT);
  }

  /** The user-assigned managed identity with this client (application) id. */
  static TokenCredential managedIdentity(String clientId) {
    EntraHttp.requireText(clientId, "clientId");
    return new ManagedIdentityCredential(System.getenv(), EntraHttp.sharedClient(), clientId,
        ManagedIdentityCredential.IMDS, ManagedIdentityCredential.TIMEOUT);
  }

  /**
   * A service principal's client secret ({@code client_credentials} grant at
   * {@code https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token}).
   */
  static TokenCredential clientSecret(String tenantId, String clientId, String clientSecret) {
    return clientSecret(EntraHttp.DEFAULT_AUTHORITY.toString(), tenantId, clientId, clientSecret,
        EntraHttp.sharedClient());
  }

  /**
   * A client secret at another authority (a sovereign cloud, or a test issuer), with the HTTP
   * client to reach it. {@code authorityHost} must be an {@code https} URI.
   */
  static TokenCredential clientSecret(String authorityHost, String tenantId, String clientId,
      String clientSecret, HttpClient httpClient) {
    Objects.requireNonNull(httpClient, "httpClient == null");
    return ClientCredential.secret(EntraHttp.authority(authorityHost, "authorityHost"), tenantId,
        clientId, clientSecret, httpClient);
  }

  /**
   * Workload identity (AKS and other federated identities) configured by the environment the
   * platform injects: {@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_ID},
   * {@code AZURE_FEDERATED_TOKEN_FILE} (read afresh for every token request, as it is rotated)
   * and optionally {@code AZURE_AUTHORITY_HOST}.
   *
   * @throws IllegalArgumentException when one of those variables is missing
   */
  static TokenCredential workloadIdentity() {
    return ClientCredential.workloadIdentity(System.getenv(), EntraHttp.sharedClient());
  }

  /**
   * The account signed in to the Azure CLI ({@code az account get-access-token}), for local
   * development. The process runs without a library thread waiting for it.
   */
  static TokenCredential azureCli() {
    return new AzureCliCredential(AzureCliCredential.PROCESS_RUNNER, null);
  }
}
