package dev.ferry.server.webhook;

import dev.ferry.server.Refused;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where webhooks may go. Never to link-local addresses (169.254.0.0/16, fe80::/10 — cloud metadata
 * services live there, 169.254.169.254 and fd00:ec2::254 among them), unspecified or multicast
 * addresses; to loopback only when the server is configured to allow it (tests). Checked when a
 * webhook is registered and again, on a fresh resolution, before every delivery.
 */
public final class UrlGuard {
    private final boolean allowLoopback;

    public UrlGuard(boolean allowLoopback) {
        this.allowLoopback = allowLoopback;
    }

    /** The URL if it may be called now; otherwise a refusal (invalid) saying why. */
    public URI check(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            throw Refused.invalid("url is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw Refused.invalid("url must be http or https");
        }
        if (uri.getHost() == null || uri.getUserInfo() != null || uri.getFragment() != null) {
            throw Refused.invalid("url needs a host, and no user info or fragment");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw Refused.invalid("url's host does not resolve");
        }
        for (InetAddress a : addresses) {
            String why = forbidden(a);
            if (why != null) {
                throw Refused.invalid("url resolves to " + a.getHostAddress() + ", " + why);
            }
        }
        return uri;
    }

    private String forbidden(InetAddress a) {
        if (a.isLinkLocalAddress() || metadata(a)) {
            return "a link-local or cloud metadata address";
        }
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return "an unspecified or multicast address";
        }
        if (a.isLoopbackAddress() && !allowLoopback) {
            return "a loopback address (allowed only when the server is started with --allow-loopback-webhooks)";
        }
        return null;
    }

    private static boolean metadata(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return (b[0] & 0xff) == 169 && (b[1] & 0xff) == 254 || (b[0] & 0xff) == 100 && (b[1] & 0xff) == 100
                    && (b[2] & 0xff) == 100 && (b[3] & 0xff) == 200; // Alibaba's metadata address
        }
        if (a instanceof Inet6Address) {
            // fd00:ec2::254 (AWS IMDS over IPv6); IPv4-mapped addresses are checked as IPv4
            boolean ec2 = (b[0] & 0xff) == 0xfd && b[1] == 0 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2;
            boolean mapped = true;
            for (int k = 0; k < 10; k++) {
                mapped &= b[k] == 0;
            }
            mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            return ec2 || mapped && (b[12] & 0xff) == 169 && (b[13] & 0xff) == 254;
        }
        return false;
    }
}
