package io.cosmoslite;

import static io.cosmoslite.EntraTestSupport.NOW;
import static io.cosmoslite.EntraTestSupport.authority;
import static io.cosmoslite.EntraTestSupport.await;
import static io.cosmoslite.EntraTestSupport.credentialFailure;
import static io.cosmoslite.EntraTestSupport.form;
import static io.cosmoslite.EntraTestSupport.httpsServer;
import static io.cosmoslite.EntraTestSupport.json;
import static io.cosmoslite.EntraTestSupport.tokenResponse;
import static io.cosmoslite.EntraTestSupport.trustingClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntraCredentialsTest {
  static final String SECRET = "s3cr3t~Value.With+Signs";
  static final List<String> SCOPE = List.of("https://acct.documents.azure.com/.default");
  final EntraTestSupport.MutableClock clock = new EntraTestSupport.MutableClock(NOW);

  // --- client secret -------------------------------------------------------------------------

  @Test void clientSecretPostsTheClientCredentialsGrantToTheTenantsTokenEndpoint()
      throws Exception {
    try (MockWebServer server = httpsServer()) {
      server.enqueue(tokenResponse("tok-1", 3599));
      TokenCredential credential = ClientCredential.secret(
          EntraHttp.authority(authority(server), "a"), "tenant-1", "app-1", SECRET,
          trustingClient(), clock);

      AccessToken token = await(credential.getToken(SCOPE));

      assertEquals("tok-1", token.token());
      assertEquals(NOW.plusSeconds(3599), token.expiresAt());
      RecordedRequest request = server.takeRequest();
      assertEquals("POST", request.getMethod());
      assertEquals("/tenant-1/oauth2/v2.0/token", request.getPath());
      assertEquals("application/x-www-form-urlencoded", request.getHeader("Content-Type"));
      assertEquals("application/json", request.getHeader("Accept"));
      assertEquals(Map.of("grant_type", "client_credentials", "client_id", "app-1",
          "client_secret", SECRET, "scope", SCOPE.get(0)), form(request.getBody().readUtf8()));
      assertEquals(1, server.getRequestCount());
    }
  }

  @Test void clientSecretPublicFactoryKeepsTheAuthoritysPath() throws Exception {
    try (MockWebServer server = httpsServer()) {
      server.enqueue(tokenResponse("tok", 60));
      TokenCredential credential = TokenCredential.clientSecret(authority(server) + "_local/aad",
          "t", "app", SECRET, trustingClient());
      assertEquals("tok", await(credential.getToken(SCOPE)).token());
      assertEquals("/_local/aad/t/oauth2/v2.0/token", server.takeRequest().getPath());
    }
  }

  @Test void clientSecretFailureNamesTheEntraErrorButNeverTheSecret() throws Exception {
    try (MockWebServer server = httpsServer()) {
      server.enqueue(json(401, "{\"error\":\"invalid_client\",\"error_description\":"
          + "\"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1\","
          + "\"error_codes\":[7000215]}"));
      TokenCredential credential = ClientCredential.secret(
          EntraHttp.authority(authority(server), "a"), "t", "app", SECRET, trustingClient(),
          clock);

      CredentialException e = credentialFailure(credential.getToken(SCOPE));

      assertEquals("ClientSecretCredential: HTTP 401 (invalid_client: AADSTS7000215: Invalid "
          + "client secret provided.)", e.getMessage());
      assertFalse(e.unavailable());
      assertFalse(credential.toString().contains(SECRET), credential.toString());
      assertTrue(credential.toString().contains("clientSecret=redacted"));
    }
  }

  @Test void clientSecretAnswerWithoutATokenFails() throws Exception {
    try (MockWebServer server = httpsServer()) {
      server.enqueue(json(200, "{\"token_type\":\"Bearer\",\"expires_in\":60}"));
      TokenCredential credential = ClientCredential.secret(
          EntraHttp.authority(authority(server), "a"), "t", "app", SECRET, trustingClient(),
          clock);
      assertEquals("ClientSecretCredential: the answer has no access_token",
          credentialFailure(credential.getToken(SCOPE)).getMessage());
    }
  }

  @Test void clientSecretRefusesAnHttpAuthorityBeforeAnyRequest() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenCredential.clientSecret("http://127.0.0.1:1/", "t", "app", SECRET,
            HttpClient.newHttpClient()));
    assertTrue(e.getMessage().startsWith("authorityHost must be an https URI"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
  }

  @Test void internalFactoriesRefuseAnHttpAuthorityToo() {
    assertThrows(IllegalArgumentException.class, () -> ClientCredential.secret(
        URI.create("http://127.0.0.1:1/"), "t", "app", SECRET, HttpClient.newHttpClient()));
    assertThrows(IllegalArgumentException.class, () -> ClientCredential.workloadIdentity(Map.of(
        "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "app", "AZURE_FEDERATED_TOKEN_FILE", "/f",
        "AZURE_AUTHORITY_HOST", "http://login.example/"), HttpClient.newHttpClient()));
  }

  @Test void clientSecretArgumentsAreCheckedByName() {
    assertEquals("tenantId == null", assertThrows(NullPointerException.class,
        () -> TokenCredential.clientSecret(null, "app", SECRET)).getMessage());
    assertEquals("clientId is blank", assertThrows(IllegalArgumentException.class,
        () -> TokenCredential.clientSecret("t", " ", SECRET)).getMessage());
    assertEquals("clientSecret == null", assertThrows(NullPointerException.class,
        () -> TokenCredential.clientSecret("t", "app", null)).getMessage());
    assertEquals("tenantId may hold letters, digits, '.', '-' and '_' only",
        assertThrows(IllegalArgumentException.class,
            () -> TokenCredential.clientSecret("../x", "app", SECRET)).getMessage());
    assertEquals("httpClient == null", assertThrows(NullPointerException.class,
        () -> TokenCredential.clientSecret("https://a/", "t", "app", SECRET, null)).getMessage());
  }

  @Test void unreachableTokenEndpointIsAFailureNotUnavailable() throws Exception {
    MockWebServer server = httpsServer();
    String gone = authority(server);
    server.shutdown();
    TokenCredential credential = ClientCredential.secret(EntraHttp.authority(gone, "a"), "t",
        "app", SECRET, trustingClient(), clock);
    CredentialException e = credentialFailure(credential.getToken(SCOPE));
    assertTrue(e.getMessage().startsWith("ClientSecretCredential: localhost did not answer ("),
        e.getMessage());
    assertFalse(e.unavailable());
  }

  // --- workload identity ---------------------------------------------------------------------

  @Test void workloadIdentityReadsTheTokenFileAfreshAsAJwtBearerAssertion(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "assertion-one\n");
    try (MockWebServer server = httpsServer()) {
      server.enqueue(tokenResponse("tok-1", 3600));
      server.enqueue(tokenResponse("tok-2", 3600));
      TokenCredential credential = ClientCredential.workloadIdentity(Map.of(
          "AZURE_TENANT_ID", "tenant-w", "AZURE_CLIENT_ID", "app-w",
          "AZURE_FEDERATED_TOKEN_FILE", file.toString(),
          "AZURE_AUTHORITY_HOST", authority(server)), trustingClient(), clock);

      assertEquals("tok-1", await(credential.getToken(SCOPE)).token());
      Files.writeString(file, "assertion-two");
      assertEquals("tok-2", await(credential.getToken(SCOPE)).token());

      RecordedRequest first = server.takeRequest();
      assertEquals("POST", first.getMethod());
      assertEquals("/tenant-w/oauth2/v2.0/token", first.getPath());
      assertEquals(Map.of("grant_type", "client_credentials", "client_id", "app-w",
          "client_assertion", "assertion-one", "client_assertion_type",
          "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "scope", SCOPE.get(0)),
          form(first.getBody().readUtf8()));
      assertEquals("assertion-two",
          form(server.takeRequest().getBody().readUtf8()).get("client_assertion"));
      assertFalse(credential.toString().contains("assertion-"));
    }
  }

  @Test void workloadIdentityWithAMissingFileFailsWithoutARequest(@TempDir Path dir) {
    TokenCredential credential = ClientCredential.workloadIdentity(Map.of(
        "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "app",
        "AZURE_FEDERATED_TOKEN_FILE", dir.resolve("absent").toString()),
        HttpClient.newHttpClient(), clock);
    CredentialException e = credentialFailure(credential.getToken(SCOPE));
    assertEquals("WorkloadIdentityCredential: cannot read AZURE_FEDERATED_TOKEN_FILE "
        + dir.resolve("absent") + " (NoSuchFileException)", e.getMessage());
  }

  @Test void workloadIdentityNeedsItsVariables() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClientCredential.workloadIdentity(Map.of("AZURE_CLIENT_ID", "app"),
            HttpClient.newHttpClient()));
    assertEquals("WorkloadIdentityCredential needs AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE",
        e.getMessage());
  }

  // --- managed identity ----------------------------------------------------------------------

  @Test void imdsIsAskedWithTheMetadataHeaderForTheScopesResource() throws Exception {
    try (MockWebServer imds = new MockWebServer()) {
      imds.enqueue(json(200, "{\"access_token\":\"mi-tok\",\"expires_on\":\"1767610800\","
          + "\"expires_in\":\"86399\",\"resource\":\"https://acct.documents.azure.com\","
          + "\"token_type\":\"Bearer\"}"));
      TokenCredential credential = new ManagedIdentityCredential(Map.of(),
          HttpClient.newHttpClient(), null, imds.url("/metadata/identity/oauth2/token").uri(),
          ManagedIdentityCredential.TIMEOUT, clock);

      AccessToken token = await(credential.getToken(SCOPE));

      assertEquals("mi-tok", token.token());
      assertEquals(Instant.ofEpochSecond(1767610800L), token.expiresAt());
      RecordedRequest request = imds.takeRequest();
      assertEquals("GET", request.getMethod());
      assertEquals("/metadata/identity/oauth2/token?api-version=2018-02-01"
          + "&resource=https%3A%2F%2Facct.documents.azure.com", request.getPath());
      assertEquals("true", request.getHeader("Metadata"));
      assertNull(request.getHeader("X-IDENTITY-HEADER"));
      assertEquals(0, request.getBodySize());
    }
  }

  @Test void imdsDefaultAddressIsTheLinkLocalMetadataEndpoint() {
    assertEquals("http://169.254.169.254/metadata/identity/oauth2/token",
        ManagedIdentityCredential.IMDS.toString());
  }

  @Test void userAssignedIdentityAddsItsClientId() throws Exception {
    try (MockWebServer imds = new MockWebServer()) {
      imds.enqueue(json(200, "{\"access_token\":\"mi\",\"expires_in\":\"600\"}"));
      TokenCredential credential = new ManagedIdentityCredential(Map.of(),
          HttpClient.newHttpClient(), "client-42", imds.url("/token").uri(),
          ManagedIdentityCredential.TIMEOUT, clock);

      assertEquals(NOW.plusSeconds(600), await(credential.getToken(SCOPE)).expiresAt());
      assertEquals("/token?api-version=2018-02-01&resource=https%3A%2F%2Facct.documents.azure.com"
          + "&client_id=client-42", imds.takeRequest().getPath());
    }
  }

  @Test void appServiceEndpointIsUsedWithItsHeaderWhenThePlatformSetsIt() throws Exception {
    try (MockWebServer appService = new MockWebServer()) {
      appService.enqueue(json(200, "{\"access_token\":\"as-tok\",\"expires_on\":\"1767610800\","
          + "\"resource\":\"https://acct.documents.azure.com\",\"token_type\":\"Bearer\","
          + "\"client_id\":\"x\"}"));
      TokenCredential credential = new ManagedIdentityCredential(Map.of(
          "IDENTITY_ENDPOINT", appService.url("/msi/token").toString(),
          "IDENTITY_HEADER", "header-secret"), HttpClient.newHttpClient(), "client-7",
          URI.create("http://127.0.0.1:9/never"), ManagedIdentityCredential.TIMEOUT, clock);

      assertEquals("as-tok", await(credential.getToken(SCOPE)).token());
      RecordedRequest request = appService.takeRequest();
      assertEquals("GET", request.getMethod());
      assertEquals("/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Facct.documents."
          + "azure.com&client_id=client-7", request.getPath());
      assertEquals("header-secret", request.getHeader("X-IDENTITY-HEADER"));
      assertNull(request.getHeader("Metadata"));
      assertFalse(credential.toString().contains("header-secret"), credential.toString());
    }
  }

  @Test void imdsWithoutAnIdentityIsUnavailable() throws Exception {
    try (MockWebServer imds = new MockWebServer()) {
      imds.enqueue(json(400, "{\"error\":\"invalid_request\",\"error_description\":"
          + "\"Identity not found\"}"));
      TokenCredential credential = new ManagedIdentityCredential(Map.of(),
          HttpClient.newHttpClient(), null, imds.url("/token").uri(),
          ManagedIdentityCredential.TIMEOUT, clock);
      CredentialException e = credentialFailure(credential.getToken(SCOPE));
      assertEquals("ManagedIdentityCredential (IMDS): HTTP 400 (invalid_request: Identity not "
          + "found)", e.getMessage());
      assertTrue(e.unavailable());
    }
  }

  @Test void imdsServerErrorIsAFailure() throws Exception {
    try (MockWebServer imds = new MockWebServer()) {
      imds.enqueue(json(500, "{\"error\":{\"code\":\"Internal\",\"message\":\"boom\"}}"));
      TokenCredential credential = new ManagedIdentityCredential(Map.of(),
          HttpClient.newHttpClient(), null, imds.url("/token").uri(),
          ManagedIdentityCredential.TIMEOUT, clock);
      CredentialException e = credentialFailure(credential.getToken(SCOPE));
      assertEquals("ManagedIdentityCredential (IMDS): HTTP 500 (Internal: boom)", e.getMessage());
      assertFalse(e.unavailable());
    }
  }

  @Test void managedIdentityAsksForOneScopeOnly() {
    TokenCredential credential = new ManagedIdentityCredential(Map.of(),
        HttpClient.newHttpClient(), null, URI.create("http://127.0.0.1:9/"),
        ManagedIdentityCredential.TIMEOUT, clock);
    assertEquals("exactly one non-blank scope is needed, got 2",
        assertThrows(IllegalArgumentException.class,
            () -> credential.getToken(List.of("a", "b"))).getMessage());
  }

  // --- Azure CLI -----------------------------------------------------------------------------

  /** A runner that records commands and answers with canned results. */
  static final class FakeRunner implements AzureCliCredential.CommandRunner {
    final List<List<String>> commands = new ArrayList<>();
    final List<CompletableFuture<AzureCliCredential.CommandResult>> results = new ArrayList<>();

    FakeRunner answer(int exit, String stdout, String stderr) {
      results.add(CompletableFuture.completedFuture(
          new AzureCliCredential.CommandResult(exit, stdout, stderr)));
      return this;
    }

    FakeRunner fail(Throwable t) {
      results.add(CompletableFuture.failedFuture(t));
      return this;
    }

    @Override public CompletableFuture<AzureCliCredential.CommandResult> run(List<String> c) {
      commands.add(List.copyOf(c));
      return results.remove(0);
    }
  }

  @Test void cliRunsGetAccessTokenForTheScopeAndReadsExpiresOn() {
    FakeRunner runner = new FakeRunner().answer(0, "{\"accessToken\":\"cli-tok\","
        + "\"expiresOn\":\"2026-01-05 11:00:00.000000\",\"expires_on\":1767614400,"
        + "\"subscription\":\"s\",\"tenant\":\"t\",\"tokenType\":\"Bearer\"}", "");
    TokenCredential credential = new AzureCliCredential(runner, null, ZoneId.of("UTC"), clock);

    AccessToken token = await(credential.getToken(SCOPE));

    assertEquals("cli-tok", token.token());
    assertEquals(Instant.ofEpochSecond(1767614400L), token.expiresAt());
    assertEquals(List.of(List.of("az", "account", "get-access-token", "--scope", SCOPE.get(0),
        "-o", "json")), runner.commands);
  }

  @Test void cliFromBeforeExpiresOnGivesLocalTimeInTheMachinesZone() {
    FakeRunner runner = new FakeRunner().answer(0,
        "{\"accessToken\":\"cli-tok\",\"expiresOn\":\"2026-01-05 12:30:00.123456\"}", "");
    TokenCredential credential =
        new AzureCliCredential(runner, "tenant-x", ZoneId.of("Europe/Paris"), clock);

    assertEquals(Instant.parse("2026-01-05T11:30:00.123456Z"),
        await(credential.getToken(SCOPE)).expiresAt());
    assertEquals(List.of("az", "account", "get-access-token", "--scope", SCOPE.get(0), "-o",
        "json", "--tenant", "tenant-x"), runner.commands.get(0));
  }

  @Test void cliNotSignedInIsUnavailable() {
    FakeRunner runner = new FakeRunner().answer(1, "",
        "ERROR: Please run 'az login' to setup account.\n");
    CredentialException e = credentialFailure(
        new AzureCliCredential(runner, null).getToken(SCOPE));
    assertEquals("AzureCliCredential: not signed in; run 'az login'", e.getMessage());
    assertTrue(e.unavailable());
  }

  @Test void cliNotInstalledIsUnavailable() {
    FakeRunner runner = new FakeRunner().fail(new IOException("Cannot run program \"az\""));
    CredentialException e = credentialFailure(
        new AzureCliCredential(runner, null).getToken(SCOPE));
    assertEquals("AzureCliCredential: the Azure CLI (az) is not on the PATH", e.getMessage());
    assertTrue(e.unavailable());
    FakeRunner shell = new FakeRunner().answer(127, "", "sh: az: command not found");
    assertTrue(credentialFailure(new AzureCliCredential(shell, null).getToken(SCOPE))
        .unavailable());
  }

  @Test void cliErrorKeepsTheFirstLineOfItsMessage() {
    FakeRunner runner = new FakeRunner().answer(1, "", "ERROR: AADSTS500011: The resource "
        + "principal named https://acct.documents.azure.com was not found in the tenant.\n"
        + "Trace ID: 123\n");
    CredentialException e = credentialFailure(
        new AzureCliCredential(runner, null).getToken(SCOPE));
    assertEquals("AzureCliCredential: az exited with 1: ERROR: AADSTS500011: The resource "
        + "principal named https://acct.documents.azure.com was not found in the tenant.",
        e.getMessage());
    assertFalse(e.unavailable());
  }

  @Test void cliRefusesAScopeThatIsNotAPlainUri() {
    FakeRunner runner = new FakeRunner();
    assertThrows(IllegalArgumentException.class, () -> new AzureCliCredential(runner, null)
        .getToken(List.of("https://a/.default; rm -rf /")));
    assertTrue(runner.commands.isEmpty());
  }

  @Test void processRunnerCompletesFromTheProcessExitWithItsOutput() {
    AzureCliCredential.CommandResult result = await(AzureCliCredential.PROCESS_RUNNER.run(
        List.of("sh", "-c", "printf '{\"accessToken\":\"x\"}'; printf 'warn' >&2; exit 3")));
    assertEquals(3, result.exitCode);
    assertEquals("{\"accessToken\":\"x\"}", result.stdout);
    assertEquals("warn", result.stderr);
  }

  @Test void processRunnerFailsWithIoExceptionForAMissingProgram() {
    Throwable t = EntraTestSupport.failure(AzureCliCredential.PROCESS_RUNNER.run(
        List.of("cosmos-lite-no-such-program-" + System.nanoTime())));
    assertTrue(t instanceof IOException, String.valueOf(t));
  }

  // --- values --------------------------------------------------------------------------------

  @Test void accessTokenToStringShowsTheExpiryButNeverTheToken() {
    AccessToken token = new AccessToken("eyJ.secret.sig", NOW);
    assertEquals("AccessToken{expiresAt=2026-01-05T10:00:00Z, token=redacted}", token.toString());
    assertEquals(new AccessToken("eyJ.secret.sig", NOW), token);
    assertEquals("token == null", assertThrows(NullPointerException.class,
        () -> new AccessToken(null, NOW)).getMessage());
    assertEquals("expiresAt == null", assertThrows(NullPointerException.class,
        () -> new AccessToken("t", null)).getMessage());
    assertEquals("token is empty", assertThrows(IllegalArgumentException.class,
        () -> new AccessToken("", NOW)).getMessage());
  }

  @Test void formEncodingEscapesReservedCharacters() {
    assertEquals("a=x%2By%26z", EntraHttp.form(Map.of("a", "x+y&z")));
    assertEquals("b=%3D+%7E", EntraHttp.form(Map.of("b", "= ~")));
    assertEquals(SECRET, form("s=" + EntraHttp.encode(SECRET)).get("s"));
  }
}
