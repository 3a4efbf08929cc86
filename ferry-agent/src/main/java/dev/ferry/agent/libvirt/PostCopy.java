package dev.ferry.agent.libvirt;

import java.io.IOException;
import org.libvirt.Domain;

/** libvirt's virDomainMigrateStartPostCopy, which the Java binding lacks. */
interface PostCopy extends com.sun.jna.Library {
    PostCopy LIB = com.sun.jna.Native.load("virt", PostCopy.class);

    int virDomainMigrateStartPostCopy(com.sun.jna.Pointer domain, int flags);

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
