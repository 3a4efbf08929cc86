package dev.ferry.core.model;

/** What to do with a live migration that does not converge within its timeout. */
public enum OnTimeout implements WireName {
    /** Cancel; the instance keeps running on the source and is relocated instead (with notice). */
    ABORT("abort"),
    /** Switch to post-copy: the guest runs on the destination while memory is pulled over. */
    POSTCOPY("postcopy"),
    /** Stop and start the instance on the destination. */
    RESTART("restart");

    private final String wireName;

    OnTimeout(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
