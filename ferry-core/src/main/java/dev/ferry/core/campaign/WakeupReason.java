package dev.ferry.core.campaign;

import java.util.Locale;
import java.util.Objects;

/**
 * Why the runtime asked to be woken: a value, so that the runtime, the timers that deliver it and
 * a restarted controller read the same thing. {@code subject} is the host or instance it concerns
 * (null for the campaign as a whole).
 */
public record WakeupReason(Kind kind, String subject) {
    public enum Kind {
        /** A queued step's notice has run out. */
        READY,
        /** The soak after the canaries ends. */
        SOAK,
        /** A notice period ends (of an instance, or of every instance a host's step disrupts). */
        NOTICE,
        /** A parked host's fallback notice ends. */
        PARKED,
        /** A rebooting host has not answered in time: it is given up. */
        REBOOT_TIMEOUT,
        /** Events reach their latest start: those that have not started are delayed, their tenants told why. */
        NOT_AFTER;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The kind spelled {@code text} ({@code reboot-timeout}), or null. */
        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.wireName().equals(text)) {
                    return k;
                }
            }
            return null;
        }
    }

    public WakeupReason {
        Objects.requireNonNull(kind, "kind");
    }

    public static WakeupReason ready() {
        return new WakeupReason(Kind.READY, null);
    }

    public static WakeupReason soak() {
        return new WakeupReason(Kind.SOAK, null);
    }

    public static WakeupReason notice(String hostOrInstance) {
        return new WakeupReason(Kind.NOTICE, hostOrInstance);
    }

    public static WakeupReason parked(String host) {
        return new WakeupReason(Kind.PARKED, host);
    }

    public static WakeupReason notAfter() {
        return new WakeupReason(Kind.NOT_AFTER, null);
    }

    public static WakeupReason rebootTimeout(String host) {
        return new WakeupReason(Kind.REBOOT_TIMEOUT, host);
    }

    @Override
    public String toString() {
        return subject == null ? kind.wireName() : kind.wireName() + ":" + subject;
    }
}
