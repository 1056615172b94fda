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
 *   <li><b>Threading.</b> No caller's thread is ever blocked. On machines with one or two CPUs
 *       requests are sent on the client's own daemon I/O threads ({@code cosmos-lite-io-*}, at
 *       most as many as its in-flight limit, but for a stage of yours that holds one), elsewhere with {@code HttpClient.sendAsync}; results
 *       complete, and dependent stages run, on those threads or on the common pool. Waits
 *       between retries are scheduled on one timer thread, not slept.</li>
 *   <li><b>Errors.</b> Bad arguments throw at once. Service and transport failures complete the
 *       future exceptionally with {@link io.cosmoslite.CosmosException} by default, or normally
 *       with a failed result when the client is built with {@code raiseOnFailure(false)}.</li>
 *   <li><b>Sessions.</b> Session tokens are kept per container and partition-key range, sent on
 *       that container's reads, and can be handed between processes.</li>
 * </ul>
 */
package io.cosmoslite;
