/**
 * cosmos-lite: a small asynchronous client for the Azure Cosmos DB for NoSQL REST API, built on
 * {@code java.net.http} and Gson only.
 *
 * <p>The module exports {@code io.cosmoslite} and opens nothing: the library serialises only
 * maps, lists and Gson trees of its own, never its own classes by reflection. A modular
 * application that reads or writes its own records or classes opens their package to Gson,
 * which does the mapping:
 *
 * <pre>{@code
 * module com.example.app {
 *   requires io.cosmoslite;
 *   opens com.example.app.model to com.google.gson;
 *   requires jdk.unsupported; // only for classes without a no-argument constructor
 * }
 * }</pre>
 *
 * <p>Gson allocates a class that has no no-argument constructor with {@code sun.misc.Unsafe},
 * which a modular application has only when a module requires {@code jdk.unsupported}; records
 * and classes with a no-argument constructor do not need it.
 *
 * <p>{@code java.net.http} is required transitively because {@code CosmosClient.Builder}
 * accepts a caller's {@code HttpClient}. Gson is not: no Gson type appears in the API, so an
 * application that uses Gson itself (a {@code TypeToken}, say) requires it on its own.
 */
module io.cosmoslite {
  requires transitive java.net.http;
  requires com.google.gson;

  exports io.cosmoslite;
}
