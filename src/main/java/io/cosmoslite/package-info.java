/**
 * cosmos-lite: a small asynchronous client for the Azure Cosmos DB for NoSQL REST API, built on
 * {@code java.net.http} and Gson only.
 *
 * <p>{@link io.cosmoslite.CosmosClient} is the one entry point. Its methods return
 * {@link java.util.concurrent.CompletableFuture}s of {@link io.cosmoslite.CosmosResult}, an
 * immutable map with {@code status}, {@code code}, {@code session_token}, {@code error} and
 * {@code data}.
 *
 * <ul>
 *   <li><b>Threading.</b> Nothing in the library blocks a thread; results complete on the HTTP
 *       client's executor. Waits between retries are scheduled, not slept.</li>
 *   <li><b>Errors.</b> Bad arguments throw at once. Service and transport failures complete the
 *       future exceptionally with {@link io.cosmoslite.CosmosException} by default, or normally
 *       with a failed result when the client is built with {@code raiseOnFailure(false)}.</li>
 *   <li><b>Sessions.</b> Session tokens are kept per container and partition-key range, sent on
 *       that container's reads, and can be handed between processes.</li>
 * </ul>
 */
package io.cosmoslite;
