package dev.ferry.core.model;

/** One advisory rule: a host is affected when both globs match. */
public record AffectRule(Glob hypervisor, Glob cpuModel) {
    public boolean matches(Host host) {
        return hypervisor.matches(host.hypervisor()) && cpuModel.matches(host.cpuModel());
    }
}
