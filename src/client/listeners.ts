/**
 * A set of callbacks. One that throws must not stop the others nor the
 * connection, so its error is rethrown on its own, where the page's error
 * reporting (or the test runner) sees it.
 */
export class Listeners<T> {
  readonly #callbacks = new Set<(value: T) => void>();

  add(callback: (value: T) => void): () => void {
    this.#callbacks.add(callback);
    return () => this.#callbacks.delete(callback);
  }

  delete(callback: (value: T) => void): void {
    this.#callbacks.delete(callback);
  }

  emit(value: T): void {
    for (const callback of [...this.#callbacks]) {
      try {
        callback(value);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}
