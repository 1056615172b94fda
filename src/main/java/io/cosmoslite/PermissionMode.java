package io.cosmoslite;

/** What a permission grants on its resource ({@code permissionMode}). */
public enum PermissionMode {
  /** Read and query only. */
  READ("Read"),
  /** Read, write and delete. */
  ALL("All");

  final String json;

  PermissionMode(String json) {
    this.json = json;
  }
}
