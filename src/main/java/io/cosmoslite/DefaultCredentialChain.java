package io.cosmoslite;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Environment (client secret), workload identity, managed identity, Azure CLI, in that order;
 * {@code AZURE_TOKEN_CREDENTIALS} narrows the list. A credential that is not set up here
 * ("unavailable") hands over to the next; any other failure ends the search, since trying a
 * different identity after a refused one would hide the problem. The first credential that gives
 * a token is used from then on.
 */
final class DefaultCredentialChain implements TokenCredential {
  static final String ENVIRONMENT = "EnvironmentCredential";
  /** The chain probes IMDS briefly, as azure-identity does, so that off Azure it moves on. */
  static final Duration IMDS_PROBE_TIMEOUT = Duration.ofSeconds(1);

  /** One credential of the chain: what it is, or why it is not set up. */
  private static final class Link {
    final String name;
    final TokenCredential credential;
    /** What is used once this link has won (managed identity: without the probe's timeout). */
    final TokenCredential afterwards;
    final String unavailable;

    Link(String name, TokenCredential credential, String unavailable) {
      this(name, credential, credential, unavailable);
    }

    Link(String name, TokenCredential credential, TokenCredential afterwards,
        String unavailable) {
      this.name = name;
      this.credential = credential;
      this.afterwards = afterwards;
      this.unavailable = unavailable;
    }
  }

  private final List<Link> links;
  private volatile Link chosen;

  DefaultCredentialChain(Map<String, String> env, HttpClient http) {
    this(env, http, ManagedIdentityCredential.IMDS, AzureCliCredential.PROCESS_RUNNER,
        Clock.systemUTC());
  }

  /** Everything the chain reaches is injectable, so tests never read the real environment. */
  DefaultCredentialChain(Map<String, String> env, HttpClient http, URI imds,
      AzureCliCredential.CommandRunner cli, Clock clock) {
    List<String> names = selected(env.get("AZURE_TOKEN_CREDENTIALS"));
    URI authority = authorityHost(env);
    List<Link> chain = new ArrayList<>();
    for (String name : names) {
      chain.add(link(name, env, http, authority, imds, cli, clock));
    }
    this.links = List.copyOf(chain);
  }

  private static Link link(String name, Map<String, String> env, HttpClient http, URI authority,
      URI imds, AzureCliCredential.CommandRunner cli, Clock clock) {
    switch (name) {
      case ENVIRONMENT: {
        String missing = missing(env, "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET");
        if (missing != null) {
          String certificate = text(env, "AZURE_CLIENT_CERTIFICATE_PATH") != null
              ? "; client certificates are not supported by cosmos-lite" : "";
          return new Link(name, null, missing + " not set" + certificate);
        }
        return new Link(name, ClientCredential.secret(authority, env.get("AZURE_TENANT_ID"),
            env.get("AZURE_CLIENT_ID"), env.get("AZURE_CLIENT_SECRET"), http, clock), null);
      }
      case ClientCredential.WORKLOAD_NAME: {
        String missing = missing(env, "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
            "AZURE_FEDERATED_TOKEN_FILE");
        if (missing != null) {
          return new Link(name, null, missing + " not set");
        }
        return new Link(name, ClientCredential.assertionFile(authority,
            env.get("AZURE_TENANT_ID"), env.get("AZURE_CLIENT_ID"),
            Path.of(env.get("AZURE_FEDERATED_TOKEN_FILE")), http, clock), null);
      }
      case ManagedIdentityCredential.NAME:
        return new Link(name, new ManagedIdentityCredential(env, http,
            text(env, "AZURE_CLIENT_ID"), imds, IMDS_PROBE_TIMEOUT, clock),
            new ManagedIdentityCredential(env, http, text(env, "AZURE_CLIENT_ID"), imds,
                ManagedIdentityCredential.TIMEOUT, clock), null);
      case AzureCliCredential.NAME:
        return new Link(name, new AzureCliCredential(cli, null, java.time.ZoneId.systemDefault(),
            clock), null);
      default:
        throw new AssertionError(name);
    }
  }

  /** The credential names {@code AZURE_TOKEN_CREDENTIALS} selects, in chain order. */
  static List<String> selected(String value) {
    List<String> prod = List.of(ENVIRONMENT, ClientCredential.WORKLOAD_NAME,
        ManagedIdentityCredential.NAME);
    if (value == null || value.isBlank()) {
      List<String> all = new ArrayList<>(prod);
      all.add(AzureCliCredential.NAME);
      return all;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "prod":
        return prod;
      case "dev":
        return List.of(AzureCliCredential.NAME);
      default:
        break;
    }
    for (String name : List.of(ENVIRONMENT, ClientCredential.WORKLOAD_NAME,
        ManagedIdentityCredential.NAME, AzureCliCredential.NAME)) {
      if (name.toLowerCase(Locale.ROOT).equals(v)) {
        return List.of(name);
      }
    }
    String accepted = "dev, prod, EnvironmentCredential, WorkloadIdentityCredential, "
        + "ManagedIdentityCredential or AzureCliCredential";
    for (String other : List.of("VisualStudioCredential", "VisualStudioCodeCredential",
        "AzurePowerShellCredential", "AzureDeveloperCliCredential",
        "InteractiveBrowserCredential", "BrokerCredential", "SharedTokenCacheCredential")) {
      if (other.toLowerCase(Locale.ROOT).equals(v)) {
        throw new IllegalArgumentException("AZURE_TOKEN_CREDENTIALS=" + value.trim()
            + " is not built into cosmos-lite; use " + accepted
            + ", or pass azure-identity's credential through a TokenCredential lambda");
      }
    }
    throw new IllegalArgumentException("AZURE_TOKEN_CREDENTIALS must be " + accepted
        + ", got '" + value.trim() + "'");
  }

  /** {@code AZURE_AUTHORITY_HOST}, default https://login.microsoftonline.com/. */
  static URI authorityHost(Map<String, String> env) {
    String host = text(env, "AZURE_AUTHORITY_HOST");
    return host == null ? EntraHttp.DEFAULT_AUTHORITY
        : EntraHttp.authority(host, "AZURE_AUTHORITY_HOST");
  }

  /** "A, B" for the variables that are unset or blank, or null when all are set. */
  static String missing(Map<String, String> env, String... names) {
    StringJoiner out = new StringJoiner(", ");
    for (String name : names) {
      if (text(env, name) == null) {
        out.add(name);
      }
    }
    return out.length() == 0 ? null : out.toString();
  }

  private static String text(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  @Override public CompletableFuture<AccessToken> getToken(List<String> scopes) {
    Link pinned = chosen;
    if (pinned != null) {
      return pinned.afterwards.getToken(scopes);
    }
    return attempt(0, scopes, new ArrayList<>());
  }

  private CompletableFuture<AccessToken> attempt(int index, List<String> scopes,
      List<String> tried) {
    if (index == links.size()) {
      return CompletableFuture.failedFuture(new CredentialException(
          "No credential of the default chain gave a token. Tried: " + String.join("; ", tried)
          + ". Set AZURE_TOKEN_CREDENTIALS to pin one, or see AZURE_TENANT_ID, AZURE_CLIENT_ID "
          + "and AZURE_CLIENT_SECRET", true));
    }
    Link link = links.get(index);
    if (link.credential == null) {
      tried.add(link.name + " (" + link.unavailable + ")");
      return attempt(index + 1, scopes, tried);
    }
    CompletableFuture<AccessToken> got;
    try {
      got = link.credential.getToken(scopes);
    } catch (RuntimeException e) {
      got = CompletableFuture.failedFuture(e);
    }
    return got.handle((token, failure) -> {
      if (failure == null) {
        chosen = link;
        return CompletableFuture.completedFuture(token);
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      String reason = cause.getMessage() == null ? cause.getClass().getSimpleName()
          : cause.getMessage();
      if (cause instanceof CredentialException && ((CredentialException) cause).unavailable()) {
        tried.add(link.name + " (" + stripName(reason, link.name) + ")");
        return attempt(index + 1, scopes, tried);
      }
      String before = tried.isEmpty() ? "" : " Tried before it: " + String.join("; ", tried)
          + ".";
      return CompletableFuture.<AccessToken>failedFuture(new CredentialException(
          "The default chain stopped at " + link.name + ", which failed: "
          + sentence(stripName(reason, link.name)) + before, false));
    }).thenCompose(f -> f);
  }

  /** "ManagedIdentityCredential (IMDS): HTTP 400" -> "IMDS: HTTP 400" inside that name's entry. */
  private static String stripName(String reason, String name) {
    if (!reason.startsWith(name)) {
      return reason;
    }
    String rest = reason.substring(name.length()).replaceFirst("^:?\\s*", "");
    return rest.replaceFirst("^\\(([^)]*)\\):", "$1:");
  }

  private static String sentence(String text) {
    return text.endsWith(".") ? text : text + ".";
  }

  @Override public String toString() {
    StringJoiner out = new StringJoiner(", ", "DefaultCredentialChain[", "]");
    for (Link link : links) {
      out.add(link.name + (link.credential == null ? " (not set up)" : ""));
    }
    return out.toString();
  }
}
