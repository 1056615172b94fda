package reactor.core.publisher;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** A compile-time stand-in with the two methods of Reactor's {@code Mono} the README uses. */
public abstract class Mono<T> {
  public abstract <R> Mono<R> map(Function<? super T, ? extends R> mapper);

  public abstract CompletableFuture<T> toFuture();
}
