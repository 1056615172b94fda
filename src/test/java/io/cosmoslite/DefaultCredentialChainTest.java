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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultCredentialChainTest {
  static final String SECRET = "chain-secret-value";
  static final List<String> SCOPE = List.of("https://acct.documents.azure.com/.default");
  static final String CLI_OK = "{\"accessToken\":\"cli-tok\",\"expires_on\":1767614400}";

  final EntraTestSupport.MutableClock clock = new EntraTestSupport.MutableClock(NOW);
  final Map<String, String> env = new HashMap<>();
  MockWebServer authority;
  MockWebServer imds;
  EntraCredentialsTest.FakeRunner cli;

  @BeforeEach void start() throws IOException {
    authority = httpsServer();
    imds = new MockWebServer();
    imds.start();
    cli = new EntraCredentialsTest.FakeRunner();
    env.put("AZURE_AUTHORITY_HOST", authority(authority));
  }

  @AfterEach void stop() throws IOException {
    authority.close();
    imds.close();
  }

  DefaultCredentialChain chain() {
    return new DefaultCredentialChain(env, trustingClient(), imds.url("/imds").uri(), cli, clock);
  }

  void secretEnvironment() {
    env.put("AZURE_TENANT_ID", "tenant-e");
    env.put("AZURE_CLIENT_ID", "app-e");
    env.put("AZURE_CLIENT_SECRET", SECRET);
  }

  @Test void environmentClientSecretComesFirstAndNothingElseIsTried() throws Exception {
    secretEnvironment();
    authority.enqueue(tokenResponse("env-tok", 3600));

    AccessToken token = await(chain().getToken(SCOPE));

    assertEquals("env-tok", token.token());
    RecordedRequest request = authority.takeRequest();
    assertEquals("/tenant-e/oauth2/v2.0/token", request.getPath());
    assertEquals(SECRET, form(request.getBody().readUtf8()).get("client_secret"));
    assertEquals(0, imds.getRequestCount());
    assertTrue(cli.commands.isEmpty());
  }

  @Test void workloadIdentityComesNextWhenItsTokenFileIsSet(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "federated");
    env.put("AZURE_TENANT_ID", "tenant-w");
    env.put("AZURE_CLIENT_ID", "app-w");
    env.put("AZURE_FEDERATED_TOKEN_FILE", file.toString());
    authority.enqueue(tokenResponse("wi-tok", 3600));

    assertEquals("wi-tok", await(chain().getToken(SCOPE)).token());
    Map<String, String> fields = form(authority.takeRequest().getBody().readUtf8());
    assertEquals("federated", fields.get("client_assertion"));
    assertFalse(fields.containsKey("client_secret"));
    assertEquals(0, imds.getRequestCount());
  }

  @Test void managedIdentityThenCliInOrderAndTheWinnerIsKept() throws Exception {
    imds.enqueue(json(400, "{\"error\":\"invalid_request\",\"error_description\":"
        + "\"Identity not found\"}"));
    cli.answer(0, CLI_OK, "").answer(0, CLI_OK, "");
    DefaultCredentialChain chain = chain();

    assertEquals("cli-tok", await(chain.getToken(SCOPE)).token());
    assertEquals("cli-tok", await(chain.getToken(SCOPE)).token());

    assertEquals(1, imds.getRequestCount(), "the chain went straight to the CLI the second time");
    assertEquals("true", imds.takeRequest().getHeader("Metadata"));
    assertEquals(2, cli.commands.size());
    assertEquals(0, authority.getRequestCount());
  }

  @Test void managedIdentityUsesAzureClientIdAsTheUserAssignedIdentity() throws Exception {
    env.put("AZURE_CLIENT_ID", "mi-client");
    imds.enqueue(json(200, "{\"access_token\":\"mi-tok\",\"expires_in\":\"3600\"}"));

    assertEquals("mi-tok", await(chain().getToken(SCOPE)).token());
    assertTrue(imds.takeRequest().getPath().endsWith("&client_id=mi-client"));
    assertTrue(cli.commands.isEmpty());
  }

  @Test void aManagedIdentityThatAnsweredIsAskedDirectlyAfterwards() throws Exception {
    imds.enqueue(json(200, "{\"access_token\":\"mi-1\",\"expires_in\":\"3600\"}"));
    imds.enqueue(json(200, "{\"access_token\":\"mi-2\",\"expires_in\":\"3600\"}"));
    DefaultCredentialChain chain = chain();

    assertEquals("mi-1", await(chain.getToken(SCOPE)).token());
    assertEquals("mi-2", await(chain.getToken(SCOPE)).token());
    assertEquals(2, imds.getRequestCount());
    assertEquals(imds.takeRequest().getPath(), imds.takeRequest().getPath());
    assertTrue(cli.commands.isEmpty());
  }

  @Test void failureListsEveryCredentialTriedInOrderAndWhy() {
    env.put("AZURE_CLIENT_ID", "app-only");
    imds.enqueue(json(400, "{\"error\":\"invalid_request\",\"error_description\":"
        + "\"Identity not found\"}"));
    cli.fail(new IOException("Cannot run program \"az\""));

    CredentialException e = credentialFailure(chain().getToken(SCOPE));

    assertEquals("No credential of the default chain gave a token. Tried: "
        + "EnvironmentCredential (AZURE_TENANT_ID, AZURE_CLIENT_SECRET not set); "
        + "WorkloadIdentityCredential (AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE not set); "
        + "ManagedIdentityCredential (IMDS: HTTP 400 (invalid_request: Identity not found)); "
        + "AzureCliCredential (the Azure CLI (az) is not on the PATH). "
        + "Set AZURE_TOKEN_CREDENTIALS to pin one, or see AZURE_TENANT_ID, AZURE_CLIENT_ID and "
        + "AZURE_CLIENT_SECRET", e.getMessage());
    assertTrue(e.unavailable());
  }

  @Test void aConfiguredCredentialThatIsRefusedEndsTheChainWithoutItsSecret() throws Exception {
    secretEnvironment();
    authority.enqueue(json(401, "{\"error\":\"invalid_client\",\"error_description\":"
        + "\"AADSTS7000215: Invalid client secret provided.\"}"));

    CredentialException e = credentialFailure(chain().getToken(SCOPE));

    assertEquals("The default chain stopped at EnvironmentCredential, which failed: "
        + "ClientSecretCredential: HTTP 401 (invalid_client: AADSTS7000215: Invalid client "
        + "secret provided.).", e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
    assertFalse(e.unavailable());
    assertEquals(0, imds.getRequestCount());
    assertTrue(cli.commands.isEmpty());
  }

  @Test void aRefusalAfterUnavailableOnesNamesThoseTriedBefore() {
    imds.enqueue(json(400, "{}"));
    cli.answer(1, "", "ERROR: AADSTS500011: The resource principal was not found.");

    CredentialException e = credentialFailure(chain().getToken(SCOPE));

    assertTrue(e.getMessage().startsWith("The default chain stopped at AzureCliCredential, "
        + "which failed: az exited with 1: ERROR: AADSTS500011: The resource principal was not "
        + "found. Tried before it: EnvironmentCredential ("), e.getMessage());
    assertTrue(e.getMessage().contains("; ManagedIdentityCredential (IMDS: HTTP 400)."),
        e.getMessage());
  }

  @Test void devPinsTheCliEvenWhenTheEnvironmentHasASecret() {
    secretEnvironment();
    env.put("AZURE_TOKEN_CREDENTIALS", "dev");
    cli.answer(0, CLI_OK, "");

    assertEquals("cli-tok", await(chain().getToken(SCOPE)).token());
    assertEquals(0, authority.getRequestCount());
    assertEquals(0, imds.getRequestCount());
  }

  @Test void prodLeavesTheCliOut() {
    env.put("AZURE_TOKEN_CREDENTIALS", "prod");
    imds.enqueue(json(400, "{}"));

    CredentialException e = credentialFailure(chain().getToken(SCOPE));

    assertTrue(e.getMessage().contains("ManagedIdentityCredential (IMDS: HTTP 400)."),
        e.getMessage());
    assertFalse(e.getMessage().contains("AzureCliCredential"), e.getMessage());
    assertTrue(cli.commands.isEmpty());
  }

  @Test void aCredentialNamePinsThatOneCaseInsensitively() throws Exception {
    secretEnvironment();
    env.put("AZURE_TOKEN_CREDENTIALS", "managedidentitycredential");
    imds.enqueue(json(200, "{\"access_token\":\"mi-tok\",\"expires_in\":\"3600\"}"));

    assertEquals("mi-tok", await(chain().getToken(SCOPE)).token());
    assertEquals(0, authority.getRequestCount());
    assertEquals("DefaultCredentialChain[ManagedIdentityCredential]", chain().toString());
  }

  @Test void unknownOrUnsupportedPinsAreRefusedBeforeAnyRequest() {
    env.put("AZURE_TOKEN_CREDENTIALS", "everything");
    assertEquals("AZURE_TOKEN_CREDENTIALS must be dev, prod, EnvironmentCredential, "
        + "WorkloadIdentityCredential, ManagedIdentityCredential or AzureCliCredential, got "
        + "'everything'", assertThrows(IllegalArgumentException.class, this::chain).getMessage());
    env.put("AZURE_TOKEN_CREDENTIALS", "VisualStudioCodeCredential");
    assertTrue(assertThrows(IllegalArgumentException.class, this::chain).getMessage()
        .startsWith("AZURE_TOKEN_CREDENTIALS=VisualStudioCodeCredential is not built into "
            + "cosmos-lite"));
    assertEquals(0, imds.getRequestCount());
  }

  @Test void authorityHostMustBeHttps() {
    env.put("AZURE_AUTHORITY_HOST", "http://login.example/");
    assertTrue(assertThrows(IllegalArgumentException.class, this::chain).getMessage()
        .startsWith("AZURE_AUTHORITY_HOST must be an https URI"));
  }

  @Test void toStringNamesTheChainButNoSecret() {
    secretEnvironment();
    String text = chain().toString();
    assertEquals("DefaultCredentialChain[EnvironmentCredential, WorkloadIdentityCredential "
        + "(not set up), ManagedIdentityCredential, AzureCliCredential]", text);
    assertFalse(text.contains(SECRET));
  }

  @Test void defaultAuthorityIsLoginMicrosoftOnline() {
    assertEquals(URI.create("https://login.microsoftonline.com/"),
        DefaultCredentialChain.authorityHost(Map.of()));
  }
}
