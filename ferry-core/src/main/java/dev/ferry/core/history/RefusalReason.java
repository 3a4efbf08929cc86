package dev.ferry.core.history;

/** Why a tenant's request was refused; {@link #message} says so to the tenant. */
public enum RefusalReason {
    NOT_RUNNING("the campaign is not running"),
    MOVE_IN_FLIGHT("the instance is being moved already"),
    NOT_VULNERABLE("the instance's host is not (or no longer) vulnerable"),
    HOST_IN_MAINTENANCE("the instance's host is in maintenance already"),
    NO_EVENT("the instance has no maintenance event"),
    EVENT_NOT_PENDING("the event has started or ended"),
    NO_ROOM("no patched host has room yet"),
    IN_THE_PAST("the requested time has passed"),
    AFTER_DEADLINE("the requested time is after the event's deadline"),
    STOPPED("the instance is stopped"),
    STARTING("the instance is being started"),
    STOPPING("the instance is being stopped"),
    NOT_STOPPED("the instance is not stopped"),
    TERMINATED("the instance was terminated"),
    REBOOTS_WITH_HOST("the instance's host is in maintenance and the instance reboots with it"),
    HOST_DOWN("the instance's host is down; the campaign restarts it on another host once that host is fenced"),
    /** Histories before history/v2 did not say why. */
    NOTHING_TO_DO_NOW("nothing to do now");

    private final String message;

    RefusalReason(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
