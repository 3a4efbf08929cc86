package dev.ferry.store;

/** Idempotency keys of mutating requests, per token, with the answer once it is known. Thread-safe. */
public interface RequestStore {
    /** What was stored for a key: the request it was used for and, once answered, the answer (status null while in flight). */
    record Stored(String method, String path, String bodyHash, Integer status, String contentType, String response) {
    }

    /** The key's stored request, or null after reserving the key for this request (it is new). */
    Stored begin(String tokenHash, String key, String method, String path, String bodyHash, long now);

    void finish(String tokenHash, String key, int status, String contentType, String response);

    /** Nothing was decided (the server failed): the client may retry with the same key. */
    void forget(String tokenHash, String key);
}
