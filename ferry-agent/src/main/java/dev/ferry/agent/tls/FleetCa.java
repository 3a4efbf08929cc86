package dev.ferry.agent.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The fleet's certificate authority: one CA (an EC P-256 key and a self-signed certificate, valid
 * ten years) that signs a certificate for each controller and each host agent. A certificate names
 * its holder in a URI subject alternative name — {@code ferry:controller:<name>} or
 * {@code ferry:agent:<host>} — which is what the other side checks (an agent obeys only controller
 * certificates; a controller takes an agent's word only for the host its certificate names), plus
 * the DNS names and addresses it is reached at. Files are PEM: {@code ca.crt}, {@code ca.key} (mode
 * 0600), {@code <name>.crt}, {@code <name>.key} (mode 0600).
 */
public final class FleetCa {
    /** Who a certificate is for. */
    public enum Role {
        CONTROLLER, AGENT;

        String uri(String name) {
            return "ferry:" + name().toLowerCase(java.util.Locale.ROOT) + ":" + name;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SIGNATURE = "SHA256withECDSA";

    private FleetCa() {
    }

    /** Makes a new CA in {@code dir}; refused when one is there already (it would orphan every certificate it signed). */
    public static X509Certificate init(Path dir, String name, Duration validity) throws IOException {
        Path crt = dir.resolve("ca.crt");
        if (Files.exists(crt) || Files.exists(dir.resolve("ca.key"))) {
            throw new IOException(dir + " holds a CA already (ca.crt, ca.key): a new one would orphan every certificate it signed");
        }
        Files.createDirectories(dir);
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(300)),
                    Date.from(now.plus(validity)), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = convert(b.build(new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate())));
            SecretFiles.write(dir.resolve("ca.key"), pem(keys.getPrivate()));
            Files.writeString(crt, pem(cert));
            return cert;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not make the CA: " + e.getMessage(), e);
        }
    }

    /**
     * Issues a certificate for a controller or a host agent, signed by the CA in {@code caDir},
     * into {@code outDir} ({@code <name>.crt}, {@code <name>.key}, and a copy of {@code ca.crt}).
     *
     * @param names DNS names and IP addresses it is reached at (subject alternative names)
     */
    public static X509Certificate issue(Path caDir, Role role, String name, List<String> names, Duration validity, Path outDir)
            throws IOException {
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("a name is 1 to 64 of A-Z a-z 0-9 . _ -: " + name);
        }
        FleetTls.Pem ca = FleetTls.Pem.read(caDir.resolve("ca.crt"), caDir.resolve("ca.key"));
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        List<GeneralName> alt = new ArrayList<>();
        alt.add(new GeneralName(GeneralName.uniformResourceIdentifier, role.uri(name)));
        for (String n : names) {
            alt.add(isAddress(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
        }
        try {
            X509CertificateHolder issuer = new X509CertificateHolder(ca.chain()[0].getEncoded());
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer.getSubject(), serial(),
                    Date.from(now.minusSeconds(300)), Date.from(now.plus(validity)), new X500Name("CN=" + name), keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            // both ends serve and call: an agent serves the controller and reports to it; a controller serves the API
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alt.toArray(GeneralName[]::new)));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.chain()[0]));
            X509Certificate cert = convert(b.build(new JcaContentSignerBuilder(SIGNATURE).build(ca.key())));
            Files.createDirectories(outDir);
            SecretFiles.write(outDir.resolve(name + ".key"), pem(keys.getPrivate()));
            Files.writeString(outDir.resolve(name + ".crt"), pem(cert));
            if (!Files.exists(outDir.resolve("ca.crt"))) {
                Files.copy(caDir.resolve("ca.crt"), outDir.resolve("ca.crt"));
            }
            return cert;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not issue the certificate: " + e.getMessage(), e);
        }
    }

    private static boolean isAddress(String n) {
        if (!n.matches("[0-9.]+|[0-9A-Fa-f:]+") || !n.contains(".") && !n.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(n); // a literal: no lookup
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate convert(X509CertificateHolder h) throws java.security.cert.CertificateException {
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    /** PEM of a certificate, or of a private key as PKCS#8 ("PRIVATE KEY", what openssl writes today). */
    static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            if (o instanceof java.security.PrivateKey k) {
                p.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
            } else {
                p.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
