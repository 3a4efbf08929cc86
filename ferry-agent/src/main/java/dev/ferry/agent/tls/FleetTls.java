package dev.ferry.agent.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * One side's mutual TLS in the fleet: its own certificate and key, and the fleet CA as the only
 * authority it trusts (both from PEM files, as {@link FleetCa} writes them, or as openssl makes
 * them: docs/operations.md). Gives the {@link SSLContext} for calls and the Jetty connector for
 * listening, and reads who a peer is from its certificate ({@link Identity}). Immutable.
 */
public final class FleetTls {
    /** Who a certificate names: a controller or the agent of one host. */
    public record Identity(FleetCa.Role role, String name) {
        @Override
        public String toString() {
            return role.uri(name);
        }
    }

    /** A certificate chain and its key, read from PEM files. */
    record Pem(X509Certificate[] chain, PrivateKey key) {
        static Pem read(Path certificate, Path key) throws IOException {
            List<X509Certificate> chain = certificates(certificate);
            if (chain.isEmpty()) {
                throw new IOException(certificate + " holds no certificate");
            }
            Object parsed;
            try (Reader r = Files.newBufferedReader(key); PEMParser p = new PEMParser(r)) {
                parsed = p.readObject();
            }
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            PrivateKey k = switch (parsed) {
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case null, default -> throw new IOException(key + " holds no private key in PEM (PKCS#8 or EC/RSA)");
            };
            return new Pem(chain.toArray(X509Certificate[]::new), k);
        }
    }

    private final SSLContext context;
    private final Identity self;
    private final Path directory;

    private FleetTls(SSLContext context, Identity self, Path directory) {
        this.context = context;
        this.self = self;
        this.directory = directory;
    }

    /**
     * Reads {@code dir/ca.crt} (the fleet CA), {@code dir/<name>.crt} and {@code dir/<name>.key};
     * the certificate must be the CA's and name a controller or an agent.
     */
    public static FleetTls load(Path dir, String name) throws IOException {
        Path caFile = dir.resolve("ca.crt");
        List<X509Certificate> cas = certificates(caFile);
        if (cas.isEmpty()) {
            throw new IOException(caFile + " holds no certificate");
        }
        Pem own = Pem.read(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        Identity id = identity(own.chain()[0]);
        if (id == null) {
            throw new IOException(dir.resolve(name + ".crt") + " names neither a controller nor an agent"
                    + " (a URI subject alternative name ferry:controller:<name> or ferry:agent:<host>)");
        }
        if (cas.stream().noneMatch(ca -> signedBy(own.chain()[0], ca))) {
            throw new IOException(dir.resolve(name + ".crt") + " is not signed by a CA in " + caFile);
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int k = 0; k < cas.size(); k++) {
                trust.setCertificateEntry("fleet-ca-" + k, cas.get(k));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry(name, own.key(), none, own.chain());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, none);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new FleetTls(ctx, id, dir);
        } catch (GeneralSecurityException e) {
            throw new IOException("could not set up TLS from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code ca.crt} may hold several CAs (while the CA itself is replaced): a certificate of any of them will do. */
    private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
            return all.stream().map(c -> (X509Certificate) c).toList();
        } catch (CertificateException e) {
            throw new IOException(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    public SSLContext context() {
        return context;
    }

    /** Whom this side's own certificate names. */
    public Identity self() {
        return self;
    }

    public Path directory() {
        return directory;
    }

    /** Whom a certificate names (its {@code ferry:controller:} or {@code ferry:agent:} URI), or null. */
    public static Identity identity(X509Certificate cert) {
        try {
            Collection<List<?>> alt = cert.getSubjectAlternativeNames();
            if (alt == null) {
                return null;
            }
            for (List<?> n : alt) {
                if (n.size() == 2 && Integer.valueOf(6).equals(n.get(0)) && n.get(1) instanceof String uri) {
                    for (FleetCa.Role r : FleetCa.Role.values()) {
                        String prefix = r.uri("");
                        if (uri.startsWith(prefix) && uri.length() > prefix.length()) {
                            return new Identity(r, uri.substring(prefix.length()));
                        }
                    }
                }
            }
            return null;
        } catch (CertificateException e) {
            return null;
        }
    }

    /** Whom the peer of a TLS session is, or null (no certificate, or one that names no one). */
    public static Identity peer(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? identity(x) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** Whom the client certificate of a servlet request names, or null. */
    public static Identity client(Object servletCertificatesAttribute) {
        return servletCertificatesAttribute instanceof X509Certificate[] chain && chain.length > 0 ? identity(chain[0]) : null;
    }

    /** The servlet request attribute that holds a TLS client's certificate chain. */
    public static final String CLIENT_CERTIFICATES = "jakarta.servlet.request.X509Certificate";

    /**
     * A Jetty connector on {@code host:port} speaking TLS 1.3 with this side's certificate;
     * {@code needClientAuth}: a client without a certificate of the fleet CA is refused in the
     * handshake (an agent), else one is asked for but not required (the controller's API, which
     * operators and tenants reach with tokens).
     */
    public ServerConnector connector(Server server, HttpConfiguration http, String host, int port, boolean needClientAuth) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(context);
        if (needClientAuth) {
            ssl.setNeedClientAuth(true);
        } else {
            ssl.setWantClientAuth(true);
        }
        ssl.setSniRequired(false);
        HttpConfiguration https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer(false)); // the client's certificate as a request attribute; no SNI check
        ServerConnector c = new ServerConnector(server, ssl, new HttpConnectionFactory(https));
        c.setHost(host);
        c.setPort(port);
        return c;
    }
}
