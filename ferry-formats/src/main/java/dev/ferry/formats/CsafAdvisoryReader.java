package dev.ferry.formats;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Versions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A CSAF 2.0 advisory (docs.oasis-open.org/csaf): the products of its {@code product_tree}
 * (branches, full product names, relationships) become hypervisor strings, from the CPE of their
 * {@code product_identification_helper} ({@code cpe:2.3:o:xen:xen:4.4.0:...} or the older
 * {@code cpe:/o:xen:xen:4.4.0}: product and version) or its package URL ({@code pkg:generic/xen@4.4.0}),
 * or else from the {@code product_name} and {@code product_version} branches above them; a
 * {@code product_version_range} branch ({@link VersionRanges}) makes its products ranges. Every vulnerability's
 * {@code product_status.known_affected} (and {@code first_affected}, {@code last_affected})
 * products are affected — a relationship's product without a helper of its own is its
 * {@code product_reference}'s —; its {@code fixed} and
 * {@code first_fixed} products are the fixes, each affected version fixed by the oldest newer fix
 * of its product. A host reboot is needed when a remediation's {@code restart_required.category}
 * is {@code machine} or {@code system}, or when no remediation says anything of restarts.
 * {@code document.tracking.initial_release_date} is the disclosure. docs/formats.md.
 */
final class CsafAdvisoryReader {
    private static final Set<String> REBOOT = Set.of("machine", "system");
    /** The product_status lists of affected products. */
    private static final List<String> AFFECTED = List.of("known_affected", "first_affected", "last_affected");

    /**
     * A product of the tree: its product name and one version, or its version ranges
     * ({@code product_version_range}), or why it has none; where it was defined.
     */
    private record Product(String name, String version, List<VersionRanges.Interval> ranges, String unusable, Node at) {
        static Product unusable(String why, Node at) {
            return new Product(null, null, null, why, at);
        }

        String hypervisor() {
            return version == null ? null : StandardAdvisory.hypervisor(name, version);
        }
    }

    private final Problems problems;
    private final Map<String, Product> products = new HashMap<>();

    private CsafAdvisoryReader(Problems problems) {
        this.problems = problems;
    }

    static Advisory read(Fields top, Problems problems) {
        return new CsafAdvisoryReader(problems).read(top);
    }

    private Advisory read(Fields top) {
        Fields document = Fields.of(problems, top.node("document"), "document");
        Fields tracking = document == null ? null : document.sub("tracking", true);
        String id = tracking == null ? null : tracking.string("id", true);
        var disclosure = tracking == null ? null : StandardAdvisory.time(problems, tracking, "initial_release_date", false);
        String title = document == null ? null : document.string("title", false);
        Fields tree = top.sub("product_tree", true);
        if (tree != null) {
            tree(tree);
        }
        StandardAdvisory rules = new StandardAdvisory();
        Boolean reboot = null;
        List<Fields> vulnerabilities = top.list("vulnerabilities", "vulnerabilities");
        if (vulnerabilities.isEmpty() && !problems.any()) {
            problems.add(top.mapping(), "vulnerabilities", "needs at least one vulnerability");
        }
        for (Fields v : vulnerabilities) {
            Fields status = v.sub("product_status", true);
            if (status != null) {
                affected(status, rules);
            }
            for (Fields r : v.list("remediations", "remediations")) {
                Fields restart = r.sub("restart_required", false);
                String category = restart == null ? null : restart.string("category", true);
                if (category != null) {
                    reboot = (reboot != null && reboot) || REBOOT.contains(category);
                }
            }
        }
        if (rules.empty() && !problems.any()) {
            problems.add(top.mapping(), "vulnerabilities", "no vulnerability names known_affected products");
        }
        if (id == null || problems.any()) {
            return null;
        }
        return rules.build(StandardAdvisory.id(id), title != null ? title : id, reboot == null || reboot, disclosure);
    }

    /** The products of the tree: its branches, full product names and relationships. */
    private void tree(Fields tree) {
        for (Fields b : tree.list("branches", "branches")) {
            branch(b, null, null, null);
        }
        for (Fields p : tree.list("full_product_names", "products")) {
            product(p, null, null, null);
        }
        // a relationship's product ("xen 4.4.0 as a component of a platform") is its component's, unless it says itself
        Map<String, Node.Scalar> components = new HashMap<>();
        for (Fields r : tree.list("relationships", "relationships")) {
            Fields p = r.sub("full_product_name", true);
            String reference = r.string("product_reference", false);
            if (p != null) {
                product(p, null, null, null);
                String id = p.string("product_id", false);
                if (id != null && reference != null && products.get(id) != null && products.get(id).unusable() != null) {
                    components.put(id, (Node.Scalar) r.node("product_reference"));
                }
            }
        }
        components.forEach((id, reference) -> {
            Product component = products.get(reference.value());
            if (component != null) {
                products.put(id, component);
            }
        });
    }

    /** One vulnerability's affected products, each with the oldest fix of its product newer than it. */
    private void affected(Fields status, StandardAdvisory rules) {
        List<Product> fixes = new ArrayList<>();
        for (String field : List.of("fixed", "first_fixed")) {
            for (Node.Scalar id : StandardAdvisory.scalars(problems, status, field)) {
                Product p = product(id, status.path(field));
                if (p != null && p.hypervisor() != null) {
                    fixes.add(p);
                    rules.fixed(p.hypervisor());
                }
            }
        }
        for (String field : AFFECTED) {
            for (Node.Scalar id : StandardAdvisory.scalars(problems, status, field)) {
                Product p = product(id, status.path(field));
                if (p == null) {
                    continue;
                }
                if (p.version() != null) {
                    rules.exact(p.name(), p.version(), oldestNewer(p.name(), p.version(), fixes));
                    continue;
                }
                for (VersionRanges.Interval r : p.ranges()) {
                    if (r.exact() != null) {
                        rules.exact(p.name(), r.exact(), oldestNewer(p.name(), r.exact(), fixes));
                    } else {
                        rules.range(p.name(), r.from(), r.before(), r.through(), r.before());
                    }
                }
            }
        }
    }

    /** The version of the oldest fix of the same product newer than {@code version}; null for none. */
    private static String oldestNewer(String name, String version, List<Product> fixes) {
        String affected = StandardAdvisory.hypervisor(name, version);
        Product best = null;
        for (Product f : fixes) {
            Integer newer = Versions.compare(f.hypervisor(), affected);
            Integer older = best == null ? null : Versions.compare(f.hypervisor(), best.hypervisor());
            if (newer != null && newer > 0 && (best == null || older != null && older < 0)) {
                best = f;
            }
        }
        return best == null ? null : best.version();
    }

    /** The product a status names by id, with a version or ranges; null after reporting. */
    private Product product(Node.Scalar id, String path) {
        Product p = products.get(id.value());
        if (p == null) {
            problems.add(id, path, "product '" + Fields.abbreviate(id.value()) + "' is not in the product_tree");
            return null;
        }
        if (p.unusable() != null) {
            problems.add(id, path, "product '" + Fields.abbreviate(id.value()) + "' (line " + p.at().line() + ") " + p.unusable());
            return null;
        }
        return p;
    }

    /** A branch and those under it, with the product name and version (or version range) of the branches above. */
    private void branch(Fields b, String name, String version, String range) {
        String category = b.string("category", true);
        String value = b.string("name", true);
        if ("product_name".equals(category)) {
            name = value;
        } else if ("product_version".equals(category)) {
            version = value;
            range = null;
        } else if ("product_version_range".equals(category)) {
            range = value;
            version = null;
        }
        Fields product = b.sub("product", false);
        if (product != null) {
            product(product, name, version, range);
        }
        for (Fields under : b.list("branches", "branches")) {
            branch(under, name, version, range);
        }
    }

    /**
     * A product: from its CPE or package URL helper, else from the product_name and the
     * product_version (or product_version_range) branches above it.
     */
    private void product(Fields p, String name, String version, String range) {
        String id = p.string("product_id", true);
        if (id == null) {
            return;
        }
        Fields helper = p.sub("product_identification_helper", false);
        String cpe = helper == null ? null : helper.string("cpe", false);
        String purl = helper == null ? null : helper.string("purl", false);
        String[] fromCpe = cpe == null ? null : Cpe.productAndVersion(cpe);
        String[] fromPurl = purl == null ? null : Cpe.purlNameAndVersion(purl);
        Product made;
        if (fromCpe != null && fromCpe[1] != null) {
            made = exact(fromCpe[0], fromCpe[1], p.mapping());
        } else if (fromPurl != null) {
            made = exact(fromPurl[0], fromPurl[1], p.mapping());
        } else if (name != null && version != null && (cpe == null && purl == null || StandardAdvisory.isDotted(version))) {
            made = exact(name, version, p.mapping());
        } else if (name != null && range != null) {
            Product ranged;
            try {
                ranged = new Product(name, null, VersionRanges.parse(range), null, p.mapping());
            } catch (IllegalArgumentException e) {
                ranged = Product.unusable("has a product_version_range Ferry cannot read: " + e.getMessage(), p.mapping());
            }
            made = ranged;
        } else if (cpe != null) {
            made = Product.unusable(fromCpe == null ? "has a CPE of an unknown form: '" + Fields.abbreviate(cpe)
                    + "' (expected cpe:2.3:part:vendor:product:version:... or cpe:/part:vendor:product:version)"
                    : "has a CPE with no version: '" + Fields.abbreviate(cpe) + "', and no product_version branch above it", p.mapping());
        } else if (purl != null) {
            made = Product.unusable("has a package URL with no name and version: '" + Fields.abbreviate(purl)
                    + "' (expected pkg:type/name@version)", p.mapping());
        } else {
            made = Product.unusable("names no hypervisor version: no CPE or package URL helper, and no product_name and"
                    + " product_version (or product_version_range) branches above it", p.mapping());
        }
        products.put(id, made);
    }

    /** A product of one version, unusable when that version is no dotted number. */
    private static Product exact(String name, String version, Node at) {
        return StandardAdvisory.isDotted(version) ? new Product(name, version, null, null, at)
                : Product.unusable("has the version '" + Fields.abbreviate(version) + "', which Ferry cannot compare with a"
                + " hypervisor's (dotted numbers, like 4.4.1)", at);
    }
}
