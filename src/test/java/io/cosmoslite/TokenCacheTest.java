package io.cosmoslite;

import static io.cosmoslite.EntraTestSupport.NOW;
import static io.cosmoslite.EntraTestSupport.authority;
import static io.cosmoslite.EntraTestSupport.await;
import static io.cosmoslite.EntraTestSupport.failure;
import static io.cosmoslite.EntraTestSupport.form;
import static io.cosmoslite.EntraTestSupport.httpsServer;
import static io.cosmoslite.EntraTestSupport.json;
import static io.cosmoslite.EntraTestSupport.tokenResponse;
import static io.cosmoslite.EntraTestSupport.trustingClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
  static final URI ACCOUNT = URI.create("https://acct.documents.azure.com:443/");
  static final String ACCOUNT_SCOPE = "https://acct.documents.azure.com/.default";

  final EntraTestSupport.MutableClock clock = new EntraTestSupport.MutableClock(NOW);

  /** A credential whose answers the test completes; records the scopes of every call. */
  static final class ScriptedCredential implements TokenCredential {
    final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    final List<CompletableFuture<AccessToken>> pending =
        Collections.synchronizedList(new ArrayList<>());

    @Override public CompletableFuture<AccessToken> getToken(List<String> scopes) {
      calls.add(List.copyOf(scopes));
      CompletableFuture<AccessToken> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }

    void answer(int call, String token, Instant expiresAt) {
      pending.get(call).complete(new AccessToken(token, expiresAt));
    }
  }

  TokenCache cache(TokenCredential credential) {
    return new TokenCache(credential, ACCOUNT, Map.of(), clock);
  }

  static String header(String token) {
    return "type%3Daad%26ver%3D1.0%26sig%3D" + token;
  }

  @Test void headerIsTheUrlEncodedAadTypeWithTheToken() {
    TokenCache cache = cache(scopes -> CompletableFuture.completedFuture(
        new AccessToken("eyJ0eXAi.eyJhdWQi.c2ln", NOW.plusSeconds(3600))));
    String header = await(cache.authorizationHeader());
    assertEquals("type%3Daad%26ver%3D1.0%26sig%3DeyJ0eXAi.eyJhdWQi.c2ln", header);
    assertEquals("type=aad&ver=1.0&sig=eyJ0eXAi.eyJhdWQi.c2ln",
        URLDecoder.decode(header, StandardCharsets.UTF_8));
  }

  @Test void accountScopeDropsTheDefaultPortAndKeepsAnyOther() {
    assertEquals(ACCOUNT_SCOPE, TokenCache.accountScope(ACCOUNT));
    assertEquals("https://127.0.0.1:28481/.default",
        TokenCache.accountScope(URI.create("https://127.0.0.1:28481/")));
    assertEquals("https://acct.documents.azure.com/.default",
        TokenCache.accountScope(URI.create("https://ACCT.documents.azure.com")));
    assertThrows(IllegalArgumentException.class,
        () -> TokenCache.accountScope(URI.create("ftp://x/")));
  }

  @Test void aCachedTokenIsReusedUntilItsRefreshWindow() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> first = cache.authorizationHeader();
    assertFalse(first.isDone(), "no token yet: the caller waits for the first one");
    credential.answer(0, "one", NOW.plus(Duration.ofHours(1)));
    assertEquals(header("one"), await(first));

    clock.advance(Duration.ofMinutes(54));
    CompletableFuture<String> later = cache.authorizationHeader();
    assertTrue(later.isDone());
    assertEquals(header("one"), later.join());
    assertEquals(List.of(List.of(ACCOUNT_SCOPE)), credential.calls);
  }

  @Test void fiveMinutesBeforeExpiryOneBackgroundRefreshStartsAndCallersKeepTheOldToken() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> first = cache.authorizationHeader();
    credential.answer(0, "one", NOW.plus(Duration.ofHours(1)));
    await(first);

    clock.advance(Duration.ofMinutes(55).plusSeconds(1));
    for (int i = 0; i < 50; i++) {
      CompletableFuture<String> during = cache.authorizationHeader();
      assertTrue(during.isDone(), "a refresh ahead of expiry never makes a caller wait");
      assertEquals(header("one"), during.join());
    }
    assertEquals(2, credential.calls.size(), "one background refresh for 50 calls");

    credential.answer(1, "two", NOW.plus(Duration.ofHours(2)));
    assertEquals(header("two"), cache.authorizationHeader().join());
    assertEquals(2, credential.calls.size());
  }

  @Test void shortLivedTokensRefreshAtHalfTheirLifetime() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> first = cache.authorizationHeader();
    credential.answer(0, "short", NOW.plus(Duration.ofMinutes(4)));
    await(first);

    clock.advance(Duration.ofMinutes(2).minusSeconds(1));
    assertEquals(header("short"), cache.authorizationHeader().join());
    assertEquals(1, credential.calls.size());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(header("short"), cache.authorizationHeader().join());
    assertEquals(2, credential.calls.size(), "half of four minutes: a refresh started");
  }

  @Test void anExpiredTokenMakesCallersWaitForTheNewOne() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> first = cache.authorizationHeader();
    credential.answer(0, "one", NOW.plus(Duration.ofHours(1)));
    await(first);

    clock.advance(Duration.ofHours(1).minusSeconds(5));
    CompletableFuture<String> a = cache.authorizationHeader();
    CompletableFuture<String> b = cache.authorizationHeader();
    assertFalse(a.isDone(), "five seconds before expiry the old token is not sent any more");
    assertFalse(b.isDone());
    assertEquals(2, credential.calls.size());
    credential.answer(1, "two", NOW.plus(Duration.ofHours(3)));
    assertEquals(header("two"), await(a));
    assertEquals(header("two"), await(b));
  }

  @Test void aThousandConcurrentCallersMakeOneTokenRequest() throws Exception {
    CountDownLatch allAsked = new CountDownLatch(1);
    AtomicInteger requests = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (MockWebServer server = httpsServer()) {
      server.setDispatcher(new Dispatcher() {
        @Override public MockResponse dispatch(RecordedRequest request)
            throws InterruptedException {
          requests.incrementAndGet();
          allAsked.await(30, TimeUnit.SECONDS);
          return tokenResponse("shared", 3600);
        }
      });
      TokenCache cache = cache(ClientCredential.secret(
          EntraHttp.authority(authority(server), "a"), "t", "app", "secret", trustingClient(),
          clock));
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<CompletableFuture<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return cache.authorizationHeader();
        }, pool));
      }
      go.countDown();
      List<CompletableFuture<String>> headers = new ArrayList<>();
      for (CompletableFuture<CompletableFuture<String>> call : calls) {
        headers.add(await(call));
      }
      for (CompletableFuture<String> h : headers) {
        assertFalse(h.isDone(), "every caller waits for the one token request");
      }
      allAsked.countDown();
      for (CompletableFuture<String> h : headers) {
        assertEquals(header("shared"), await(h));
      }
      assertEquals(1, requests.get());
      assertEquals(1, server.getRequestCount());
      assertEquals(ACCOUNT_SCOPE, form(server.takeRequest().getBody().readUtf8()).get("scope"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test void aFailedBackgroundRefreshKeepsTheTokenAndWaitsBeforeTheNextAttempt() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> first = cache.authorizationHeader();
    credential.answer(0, "one", NOW.plus(Duration.ofHours(1)));
    await(first);

    clock.advance(Duration.ofMinutes(56));
    assertEquals(header("one"), cache.authorizationHeader().join());
    credential.pending.get(1).completeExceptionally(new IllegalStateException("endpoint down"));
    assertEquals(header("one"), cache.authorizationHeader().join());
    clock.advance(Duration.ofSeconds(29));
    assertEquals(header("one"), cache.authorizationHeader().join());
    assertEquals(2, credential.calls.size(), "no new attempt within 30 s of a failure");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(header("one"), cache.authorizationHeader().join());
    assertEquals(3, credential.calls.size());
  }

  @Test void aFailedFirstRequestFailsItsCallersAndTheNextCallTriesAgain() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> a = cache.authorizationHeader();
    IllegalStateException boom = new IllegalStateException("no token");
    credential.pending.get(0).completeExceptionally(boom);
    assertSame(boom, failure(a));
    CompletableFuture<String> b = cache.authorizationHeader();
    assertEquals(2, credential.calls.size());
    credential.answer(1, "ok", NOW.plusSeconds(3600));
    assertEquals(header("ok"), await(b));
  }

  @Test void aCredentialThatThrowsOrReturnsNullFailsTheFuture() {
    TokenCache throwing = cache(scopes -> {
      throw new IllegalArgumentException("bad scope");
    });
    assertEquals("bad scope", failure(throwing.authorizationHeader()).getMessage());
    TokenCache nulls = cache(scopes -> null);
    assertEquals("the credential's getToken returned null",
        failure(nulls.authorizationHeader()).getMessage());
  }

  @Test void aadsts500011SwitchesToTheCosmosScopeForGood() throws Exception {
    try (MockWebServer server = httpsServer()) {
      server.enqueue(json(400, "{\"error\":\"invalid_resource\",\"error_description\":"
          + "\"AADSTS500011: The resource principal named https://acct.documents.azure.com was "
          + "not found in the tenant named t.\",\"error_codes\":[500011]}"));
      server.enqueue(tokenResponse("global", 60));
      server.enqueue(tokenResponse("global-2", 3600));
      TokenCache cache = cache(ClientCredential.secret(
          EntraHttp.authority(authority(server), "a"), "t", "app", "secret", trustingClient(),
          clock));

      assertEquals(header("global"), await(cache.authorizationHeader()));
      assertEquals(TokenCache.COSMOS_SCOPE, cache.scope());
      clock.advance(Duration.ofMinutes(2));
      assertEquals(header("global-2"), await(cache.authorizationHeader()));

      assertEquals(ACCOUNT_SCOPE, form(server.takeRequest().getBody().readUtf8()).get("scope"));
      assertEquals("https://cosmos.azure.com/.default",
          form(server.takeRequest().getBody().readUtf8()).get("scope"));
      assertEquals("https://cosmos.azure.com/.default",
          form(server.takeRequest().getBody().readUtf8()).get("scope"));
      assertEquals(3, server.getRequestCount());
    }
  }

  @Test void otherFailuresDoNotFallBack() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> a = cache.authorizationHeader();
    credential.pending.get(0).completeExceptionally(
        new CredentialException("AADSTS7000215: Invalid client secret provided.", false));
    assertTrue(failure(a).getMessage().startsWith("AADSTS7000215"));
    assertEquals(List.of(List.of(ACCOUNT_SCOPE)), credential.calls);
    assertEquals(ACCOUNT_SCOPE, cache.scope());
  }

  @Test void theScopeOverrideIsUsedWithoutFallback() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = new TokenCache(credential, ACCOUNT,
        Map.of("AZURE_COSMOS_AAD_SCOPE_OVERRIDE", "https://custom.example/.default"), clock);
    CompletableFuture<String> a = cache.authorizationHeader();
    credential.pending.get(0).completeExceptionally(
        new CredentialException("AADSTS500011: not found", false));
    assertEquals("AADSTS500011: not found", failure(a).getMessage());
    assertEquals(List.of(List.of("https://custom.example/.default")), credential.calls);
  }

  @Test void invalidateForcesOneRefreshAndRefusesToLoop() {
    ScriptedCredential credential = new ScriptedCredential();
    TokenCache cache = cache(credential);
    CompletableFuture<String> first = cache.authorizationHeader();
    credential.answer(0, "one", NOW.plus(Duration.ofHours(1)));
    String used = await(first);

    assertTrue(cache.invalidate(used), "a 401 with a cached token: worth one retry");
    CompletableFuture<String> retry = cache.authorizationHeader();
    assertFalse(retry.isDone(), "the refused token is not sent again");
    credential.answer(1, "two", NOW.plus(Duration.ofHours(1)));
    String second = await(retry);
    assertEquals(header("two"), second);

    assertTrue(cache.invalidate(used), "an older token's 401: retry with the newer one");
    assertFalse(cache.invalidate(second), "the freshly forced token was refused too: no loop");
    assertEquals(header("two"), cache.authorizationHeader().join());
    assertEquals(2, credential.calls.size());

    clock.advance(TokenCache.FORCED_REFRESH_INTERVAL);
    assertTrue(cache.invalidate(second), "some time later a new token is worth one more try");
    cache.authorizationHeader();
    assertEquals(3, credential.calls.size());
  }

  @Test void toStringShowsTheScopeButNeverTheToken() {
    TokenCache cache = cache(scopes -> CompletableFuture.completedFuture(
        new AccessToken("very-secret-token", NOW.plusSeconds(3600))));
    await(cache.authorizationHeader());
    assertFalse(cache.toString().contains("very-secret-token"), cache.toString());
    assertTrue(cache.toString().startsWith("TokenCache{scope=" + ACCOUNT_SCOPE));
  }
}
