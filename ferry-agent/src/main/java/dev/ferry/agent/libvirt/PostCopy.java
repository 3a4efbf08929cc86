package dev.ferry.agent.libvirt;

import java.io.IOException;
import org.libvirt.Domain;

/** libvirt's calls for post-copy that the Java binding lacks: the switch, and a domain's state with its reason. */
interface PostCopy extends com.sun.jna.Library {
    PostCopy LIB = com.sun.jna.Native.load("virt", PostCopy.class);

    /** virDomainPausedReason: paused by a post-copy migration (the guest runs at the destination). */
    int PAUSED_POSTCOPY = 12;
    /** virDomainPausedReason: paused by a post-copy migration that failed (neither copy is whole). */
    int PAUSED_POSTCOPY_FAILED = 13;

    int virDomainMigrateStartPostCopy(com.sun.jna.Pointer domain, int flags);

    int virDomainGetState(com.sun.jna.Pointer domain, com.sun.jna.ptr.IntByReference state, com.sun.jna.ptr.IntByReference reason,
                          int flags);

    /** Whether the domain is paused for post-copy (its memory is the destination's now: it must never run again here). */
    static boolean pausedForPostcopy(Domain d) throws IOException {
        com.sun.jna.ptr.IntByReference state = new com.sun.jna.ptr.IntByReference();
        com.sun.jna.ptr.IntByReference reason = new com.sun.jna.ptr.IntByReference();
        if (LIB.virDomainGetState(pointer(d), state, reason, 0) != 0) {
            throw new IOException("libvirt did not give the domain's state");
        }
        return state.getValue() == 3 /* VIR_DOMAIN_PAUSED */
                && (reason.getValue() == PAUSED_POSTCOPY || reason.getValue() == PAUSED_POSTCOPY_FAILED);
    }

    static com.sun.jna.Pointer pointer(Domain d) throws IOException {
        try {
            var f = Domain.class.getDeclaredField("vdp");
            f.setAccessible(true);
            return ((com.sun.jna.PointerType) f.get(d)).getPointer();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("this libvirt binding does not give its domain handle: " + e, e);
        }
    }
}
