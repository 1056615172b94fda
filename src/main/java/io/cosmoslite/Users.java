package io.cosmoslite;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.Objects;

/**
 * Requests on users and their permissions: arguments in, an immutable {@link CosmosRequest}
 * out, no I/O. A user belongs to a database ({@code dbs/{db}/users/{u}}); a permission grants
 * its user Read or All on one resource link, optionally on one partition key, and answers a
 * resource token in {@code _token}.
 */
final class Users {
  /** The service's longest resource-token life. */
  static final Duration MAX_TOKEN_LIFE = Duration.ofHours(5);

  private Users() {}

  static CosmosRequest.Link link(String database, String user) {
    return Databases.link(database).child("users", Names.id(user, "user id"));
  }

  static CosmosRequest.Link permissionLink(String database, String user, String permission) {
    return link(database, user).child("permissions", Names.id(permission, "permission id"));
  }

  /** POST dbs/{db}/users. */
  static CosmosRequest create(String database, String id) {
    CosmosRequest.Link parent = Databases.link(database);
    Names.id(id, "user id");
    return CosmosRequest.builder("POST", "users", parent).feed("users")
        .body(Json.toBytes(idBody(id)), Documents.JSON).build();
  }

  static CosmosRequest read(String database, String id) {
    return CosmosRequest.builder("GET", "users", link(database, id)).build();
  }

  /** PUT dbs/{db}/users/{id} with the user's new id (a rename; its permissions stay). */
  static CosmosRequest replace(String database, String id, String newId) {
    CosmosRequest.Link link = link(database, id);
    Names.id(newId, "new user id");
    return CosmosRequest.builder("PUT", "users", link)
        .body(Json.toBytes(idBody(newId)), Documents.JSON).build();
  }

  static CosmosRequest delete(String database, String id) {
    return CosmosRequest.builder("DELETE", "users", link(database, id)).build();
  }

  /** GET dbs/{db}/users (the first page). */
  static CosmosRequest list(String database) {
    return CosmosRequest.builder("GET", "users", Databases.link(database)).feed("users").build();
  }

  /**
   * POST dbs/{db}/users/{u}/permissions: {@code mode} on {@code resourceLink} (e.g.
   * {@code dbs/app/colls/orders}), on one partition key when {@code partitionKey} is not null.
   */
  static CosmosRequest createPermission(String database, String user, String id,
      PermissionMode mode, String resourceLink, Object partitionKey) {
    CosmosRequest.Link parent = link(database, user);
    byte[] body = permissionBody(id, mode, resourceLink, partitionKey);
    return CosmosRequest.builder("POST", "permissions", parent).feed("permissions")
        .body(body, Documents.JSON).build();
  }

  /**
   * GET dbs/{db}/users/{u}/permissions/{id}: the permission with a fresh token, living
   * {@code tokenLife} ({@code x-ms-documentdb-expiry-seconds}) or the service's default (an
   * hour) when null.
   */
  static CosmosRequest readPermission(String database, String user, String id,
      Duration tokenLife) {
    CosmosRequest.Link link = permissionLink(database, user, id);
    return CosmosRequest.builder("GET", "permissions", link)
        .header("x-ms-documentdb-expiry-seconds", expirySeconds(tokenLife)).build();
  }

  /** PUT dbs/{db}/users/{u}/permissions/{id}: a whole new grant under the same id. */
  static CosmosRequest replacePermission(String database, String user, String id,
      PermissionMode mode, String resourceLink, Object partitionKey) {
    CosmosRequest.Link link = permissionLink(database, user, id);
    byte[] body = permissionBody(id, mode, resourceLink, partitionKey);
    return CosmosRequest.builder("PUT", "permissions", link).body(body, Documents.JSON).build();
  }

  static CosmosRequest deletePermission(String database, String user, String id) {
    return CosmosRequest.builder("DELETE", "permissions", permissionLink(database, user, id))
        .build();
  }

  /** GET dbs/{db}/users/{u}/permissions (the first page). */
  static CosmosRequest listPermissions(String database, String user) {
    return CosmosRequest.builder("GET", "permissions", link(database, user))
        .feed("permissions").build();
  }

  private static JsonObject idBody(String id) {
    JsonObject body = new JsonObject();
    body.addProperty("id", id);
    return body;
  }

  private static byte[] permissionBody(String id, PermissionMode mode, String resourceLink,
      Object partitionKey) {
    Names.id(id, "permission id");
    Objects.requireNonNull(mode, "mode == null");
    Objects.requireNonNull(resourceLink, "resourceLink == null");
    String link = Auth.ResourceTokens.trimLink(resourceLink.trim());
    if (!link.startsWith("dbs/") || link.split("/").length < 4) {
      throw new IllegalArgumentException("resourceLink must name a container or a resource in "
          + "it (dbs/{db}/colls/{container}[/...]), got \"" + resourceLink + "\"");
    }
    JsonObject body = idBody(id);
    body.addProperty("permissionMode", mode.json);
    body.addProperty("resource", link);
    if (partitionKey != null) {
      body.add("resourcePartitionKey",
          JsonParser.parseString(PartitionKey.from(partitionKey).header()));
    }
    return Json.toBytes(body);
  }

  private static String expirySeconds(Duration tokenLife) {
    if (tokenLife == null) {
      return null;
    }
    Names.positive(tokenLife, "tokenLife");
    if (tokenLife.compareTo(MAX_TOKEN_LIFE) > 0 || tokenLife.getSeconds() < 1) {
      throw new IllegalArgumentException(
          "tokenLife must be 1 second to 5 hours, got " + tokenLife);
    }
    return Long.toString(tokenLife.getSeconds());
  }
}
