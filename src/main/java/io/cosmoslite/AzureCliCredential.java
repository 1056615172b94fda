package io.cosmoslite;

import com.google.gson.JsonObject;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The account signed in to the Azure CLI: runs {@code az account get-access-token --scope <scope>
 * -o json} (no shell) and reads {@code accessToken} with {@code expires_on} (epoch seconds, CLI
 * 2.54+) or {@code expiresOn} (local date-time, older CLIs).
 */
final class AzureCliCredential implements TokenCredential {
  static final String NAME = "AzureCliCredential";
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final DateTimeFormatter LOCAL_EXPIRY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]", Locale.ROOT);

  /** The outcome of one command. */
  static final class CommandResult {
    final int exitCode;
    final String stdout;
    final String stderr;

    CommandResult(int exitCode, String stdout, String stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }
  }

  /**
   * Runs a command; fails with {@link IOException} when it cannot start. Injectable so that tests
   * run a fake instead of the real {@code az}.
   */
  interface CommandRunner {
    CompletableFuture<CommandResult> run(List<String> command);
  }

  /**
   * Starts the process and completes from {@link Process#onExit()}: no thread waits for it. Its
   * output (a few kilobytes) waits in the pipe and is read once it has exited. No stdin; the
   * working directory is the file system root, so a stray {@code az} in the current one is not
   * picked up; killed after {@link #TIMEOUT}.
   */
  static final CommandRunner PROCESS_RUNNER = command -> {
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT)
        .startsWith("windows");
    List<String> full = new ArrayList<>();
    if (windows) {
      full.add("cmd.exe");
      full.add("/c");
    }
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full);
    String root = windows ? System.getenv().getOrDefault("SystemRoot", "C:\\") : "/";
    builder.directory(new File(root));
    Process process;
    try {
      process = builder.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return process.onExit()
        .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        // Not on the JDK's delay-scheduler thread (orTimeout completes there): what follows
        // (the token cache, the request, callers' stages) runs on the library's workers.
        .handleAsync((p, failure) -> {
          if (failure != null) {
            process.destroyForcibly();
            throw new CompletionException(new TimeoutException("az did not exit within "
                + TIMEOUT.toSeconds() + " s"));
          }
          return new CommandResult(p.exitValue(), readAll(p.getInputStream()),
              readAll(p.getErrorStream()));
        }, Threads.WORKERS);
  };

  private final CommandRunner runner;
  private final String tenantId;
  private final ZoneId zone;
  private final Clock clock;

  AzureCliCredential(CommandRunner runner, String tenantId) {
    this(runner, tenantId, ZoneId.systemDefault(), Clock.systemUTC());
  }

  AzureCliCredential(CommandRunner runner, String tenantId, ZoneId zone, Clock clock) {
    this.runner = runner;
    this.tenantId = tenantId == null ? null : EntraHttp.tenant(tenantId);
    this.zone = zone;
    this.clock = clock;
  }

  @Override public CompletableFuture<AccessToken> getToken(List<String> scopes) {
    String scope = EntraHttp.singleScope(scopes);
    if (!scope.matches("[A-Za-z0-9:/._\\-]+")) {
      throw new IllegalArgumentException("scope may hold letters, digits and ':/._-' only");
    }
    List<String> command = new ArrayList<>(List.of("az", "account", "get-access-token",
        "--scope", scope, "-o", "json"));
    if (tenantId != null) {
      command.add("--tenant");
      command.add(tenantId);
    }
    CompletableFuture<CommandResult> ran;
    try {
      ran = runner.run(command);
    } catch (RuntimeException e) {
      ran = CompletableFuture.failedFuture(e);
    }
    return ran.handle((result, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        if (cause instanceof IOException) {
          throw new CredentialException(NAME + ": the Azure CLI (az) is not on the PATH", true);
        }
        throw new CredentialException(NAME + ": " + cause.getMessage(), false);
      }
      return parse(result);
    });
  }

  private AccessToken parse(CommandResult result) {
    if (result.exitCode != 0) {
      String stderr = result.stderr == null ? "" : result.stderr;
      String lower = stderr.toLowerCase(Locale.ROOT);
      if (result.exitCode == 127 || lower.contains("not recognized as")
          || lower.contains("command not found")) {
        throw new CredentialException(NAME + ": the Azure CLI (az) is not on the PATH", true);
      }
      if (lower.contains("az login") || lower.contains("az account set")) {
        throw new CredentialException(NAME + ": not signed in; run 'az login'", true);
      }
      throw new CredentialException(NAME + ": az exited with " + result.exitCode
          + firstLine(stderr), false);
    }
    JsonObject body = EntraHttp.parseObject(
        result.stdout == null ? null : result.stdout.getBytes(StandardCharsets.UTF_8));
    String token = body == null ? null : EntraHttp.string(body, "accessToken");
    if (token == null || token.isEmpty()) {
      throw new CredentialException(NAME + ": az printed no accessToken", false);
    }
    Long expiresOn = EntraHttp.number(body, "expires_on");
    if (expiresOn != null) {
      return new AccessToken(token, Instant.ofEpochSecond(expiresOn));
    }
    String local = EntraHttp.string(body, "expiresOn");
    if (local != null) {
      try {
        return new AccessToken(token, LocalDateTime.parse(local.trim(), LOCAL_EXPIRY)
            .atZone(zone).toInstant());
      } catch (DateTimeParseException e) {
        throw new CredentialException(NAME + ": cannot read expiresOn '" + local + "'", false);
      }
    }
    // No expiry printed: treat the token as short-lived rather than eternal.
    return new AccessToken(token, clock.instant().plus(Duration.ofMinutes(5)));
  }

  private static String firstLine(String text) {
    String t = text.strip();
    if (t.isEmpty()) {
      return "";
    }
    int end = t.indexOf('\n');
    String line = (end < 0 ? t : t.substring(0, end)).strip();
    return ": " + (line.length() > 300 ? line.substring(0, 300) + "..." : line);
  }

  private static String readAll(InputStream in) {
    try (InputStream stream = in) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  @Override public String toString() {
    return NAME + (tenantId == null ? "" : "{tenant=" + tenantId + "}");
  }
}
